import type { TokenUsage } from '../core/expectations/handler.ts';
import type { Model } from '../core/model.ts';

/** What calls cost: requests, tokens where the protocol reports them, and money where the model has a price. */
export interface CallCost {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Present only when the model's options carry a price. */
  usd?: number;
}

interface Price {
  promptPerMTok?: number;
  completionPerMTok?: number;
  perRequest?: number;
}

export function priceOf(model: Pick<Model, 'endpoint'>): Price | undefined {
  const price = model.endpoint.options['price'];
  return price !== null && typeof price === 'object' ? (price as Price) : undefined;
}

export function costOf(
  model: Pick<Model, 'endpoint'>,
  requests: number,
  usage: TokenUsage | undefined,
): CallCost {
  const promptTokens = usage?.promptTokens ?? 0;
  const completionTokens = usage?.completionTokens ?? 0;
  const cost: CallCost = { requests, promptTokens, completionTokens };
  const price = priceOf(model);
  if (price) {
    const usd =
      requests * (price.perRequest ?? 0) +
      (promptTokens * (price.promptPerMTok ?? 0)) / 1e6 +
      (completionTokens * (price.completionPerMTok ?? 0)) / 1e6;
    cost.usd = Math.round(usd * 1e9) / 1e9;
  }
  return cost;
}

export function addUsage(a: TokenUsage | undefined, b: TokenUsage | undefined): TokenUsage | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
  };
}
