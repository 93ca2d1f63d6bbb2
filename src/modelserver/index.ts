export {
  MODELS,
  SENTIMENT_LABELS,
  type SentimentLabel,
  type SentimentModel,
  type SentimentResult,
} from './models.ts';
export {
  type ModelServer,
  type ModelServerFaults,
  type ModelServerOptions,
  type ModelServerStats,
  startModelServer,
} from './server.ts';
