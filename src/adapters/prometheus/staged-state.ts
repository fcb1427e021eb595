/**
 * What the adapter remembers from batch to batch (delta running totals, target_info timestamps), with writes
 * encoded ahead: a batch is translated while the one before it is still being sent, so it must see that
 * batch's totals, which are not committed yet (they are only once it is written). Each encoded batch's
 * changes are a layer on top of the committed state; a layer is committed when its batch is written, and
 * dropped, with every layer after it, when its batch fails or is abandoned. Reads look through the layers,
 * newest first. A batch retried after a failure is then translated from the same committed state as the first
 * time: the same totals, the same samples (delta.ts: "a retried batch computes exactly the same totals").
 */
import { CumulativeState, type DeltaTransaction, type Total } from './delta.js';

export interface StagedLayer {
  readonly totals: Map<string, Total>;
  readonly targetInfo: ReadonlyMap<string, number>;
}

/** The committed totals plus the layers of batches encoded but not written yet. */
export class StagedCumulativeState extends CumulativeState {
  private readonly layers: StagedLayer[] = [];
  /** Set while a transaction's commit is redirected into a new layer. */
  private staging: Map<string, Total> | undefined;

  override get(key: string): Total | undefined {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const total = this.layers[i]!.totals.get(key);
      if (total !== undefined) return total;
    }
    return super.get(key);
  }

  override commit(changes: ReadonlyMap<string, Total>, nowMs: number): void {
    if (this.staging === undefined) {
      super.commit(changes, nowMs);
      return;
    }
    for (const [key, total] of changes) this.staging.set(key, total);
  }

  /** An encoded batch's changes (its delta transaction, its target_info) as the newest layer. */
  stage(transaction: DeltaTransaction | undefined, targetInfo: ReadonlyMap<string, number>): StagedLayer {
    const layer: StagedLayer = { totals: new Map(), targetInfo };
    this.staging = layer.totals;
    try {
      transaction?.commit(0);
    } finally {
      this.staging = undefined;
    }
    this.layers.push(layer);
    return layer;
  }

  /** The layer's batch is written: its changes become committed state. Layers are written oldest first. */
  apply(layer: StagedLayer, nowMs: number): void {
    if (this.layers[0] !== layer) throw new Error('staged writes must be committed in the order they were encoded');
    this.layers.shift();
    super.commit(layer.totals, nowMs);
  }

  /** The layer's batch will not be written now: it and every layer encoded after it are forgotten. */
  drop(layer: StagedLayer): void {
    const index = this.layers.indexOf(layer);
    if (index >= 0) this.layers.length = index;
  }

  /** The newest target_info timestamp per identity, committed or staged (what the translator must not go below). */
  readonly targetInfoWritten = new LayeredTimestamps(() => this.layers);
}

/** target_info timestamps written, seen through the staged layers; the translator only reads it with get(). */
export class LayeredTimestamps extends Map<string, number> {
  constructor(private readonly layers: () => readonly StagedLayer[]) {
    super();
  }

  override get(key: string): number | undefined {
    let newest = super.get(key);
    for (const layer of this.layers()) {
      const ms = layer.targetInfo.get(key);
      if (ms !== undefined && (newest === undefined || ms > newest)) newest = ms;
    }
    return newest;
  }
}
