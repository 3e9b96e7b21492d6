/**
 * Prefix-sums playground ⇄ extension. The webview asks the host to solve a bit string with a model in one of two
 * slots (slot 1 exists for "compare models"); the host streams one `frame` per iteration the engine reports and
 * answers the request with the run's summary. Frames carry P(class 1) per bit as a Uint8Array (0…255), never a JSON
 * array: 4096 bits × hundreds of iterations add up.
 */
import type { ProtocolShape } from '../messenger';
import { bytes, checkObject, empty, iterations, modelsPayload, num, oneOf, str, tableValidator, type ModelOption } from './common';

export const PREFIX_SUMS_VIEW_TYPE = 'deepThinking.prefixSums';
export const MIN_BITS = 8;
export const MAX_BITS = 4096;

export type Slot = 0 | 1;

export interface PrefixFrame {
  slot: Slot;
  /** the run this frame belongs to (a new solve in the same slot starts a new run) */
  runId: number;
  iteration: number;
  /** P(class 1) per bit, 0…255 */
  probs: Uint8Array;
  confidence: number;
}

export interface PrefixRunResult {
  slot: Slot;
  runId: number;
  model: string;
  iterations: number;
  haltedAt?: number;
  correct: boolean;
  cancelled: boolean;
  ms: number;
}

export interface PrefixModels {
  models: ModelOption[];
  /** the selected prefix-sums model (ModelRegistryApi.selected) */
  selected: string;
}

export interface PrefixSolveParams {
  slot: Slot;
  runId: number;
  model: string;
  bits: string;
  iterations: number | 'auto';
}

/** What the webview receives. */
export interface PrefixSumsToWebview extends ProtocolShape {
  requests: Record<string, never>;
  events: {
    init: PrefixModels;
    models: PrefixModels;
    frame: PrefixFrame;
  };
}

/** What the webview sends (validated by validatePrefixSumsMessage). */
export interface PrefixSumsFromWebview extends ProtocolShape {
  requests: {
    solve: [PrefixSolveParams, PrefixRunResult];
  };
  events: {
    ready: Record<string, never>;
    cancel: { slot: Slot };
  };
}

const slot = oneOf<Slot>(0, 1);

export const validatePrefixSumsMessage = tableValidator({
  ready: empty,
  cancel: (v, f) => checkObject(v, f, { slot }),
  solve: (v, f) =>
    checkObject(v, f, {
      slot,
      runId: (x, g) => (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 ? undefined : `${g}: expected a run number`),
      model: str(4096),
      bits: (x, g) => {
        if (typeof x !== 'string') return `${g}: expected a string`;
        if (x.length < MIN_BITS || x.length > MAX_BITS) return `${g}: expected ${MIN_BITS}…${MAX_BITS} bits, got ${x.length}`;
        const bad = x.search(/[^01]/);
        return bad < 0 ? undefined : `${g}: column ${bad + 1}: expected '0' or '1', found ${JSON.stringify(x[bad])}`;
      },
      iterations,
    }),
});

/** What the prefix-sums page accepts from the host. */
export const validatePrefixSumsHostMessage = tableValidator({
  init: modelsPayload,
  models: modelsPayload,
  frame: (v, f) => checkObject(v, f, { slot: oneOf(0, 1), runId: num, iteration: num, probs: bytes, confidence: num }),
});
