export { addChannel, channelAccount, listChannels, removeChannel } from './channels';
export { deliverPending, listDeliveries } from './deliver';
export { SIGNATURE_HEADER, signWebhook, verifyWebhook } from './sign';
