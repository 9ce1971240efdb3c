export { deleteProfile, listProfiles, saveProfile, setOperator, testProfile } from './profiles';
