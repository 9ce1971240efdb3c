export { payoutEstimate } from './estimate';
export { siteFigures } from './figures';
export { listRateCards, rateCard, rateCardOptions, saveRateCard, RATE_CARD_LIST_LIMIT } from './rate-cards';
