export { type CustomerMinutes, type LimitMinute, LimitMinutesInputError, limitMinutes, MAX_LIMIT_MINUTES, maintainIdempotency, maintainLimits } from './limits';
