// Progress events from Rust folded into what the progress panel shows: the file being worked
// on, overall bytes, and each file's outcome.
import type { FileOutcome, ProgressEvent } from "./bindings";

export type JobProgress = {
  count: number;
  bytes: number;
  /** Bytes of units already finished. */
  finishedBytes: number;
  label: string;
  unitTotal: number;
  unitDone: number;
  files: FileOutcome[];
};

export function newProgress(): JobProgress {
  return { count: 0, bytes: 0, finishedBytes: 0, label: "", unitTotal: 0, unitDone: 0, files: [] };
}

export function apply(p: JobProgress, e: ProgressEvent): JobProgress {
  switch (e.kind) {
    case "batch":
      return { ...p, count: e.count, bytes: e.bytes };
    case "start":
      return { ...p, label: e.label, unitTotal: e.total, unitDone: 0 };
    case "position":
      return { ...p, unitDone: e.done };
    case "finish":
      return { ...p, finishedBytes: p.finishedBytes + p.unitTotal, unitDone: 0, unitTotal: 0 };
    case "file":
      return { ...p, files: [...p.files, e.outcome] };
  }
}

/** 0..1 over the whole job (by bytes when known, else by files). */
export function overall(p: JobProgress): number {
  if (p.bytes > 0) return Math.min(1, (p.finishedBytes + p.unitDone) / p.bytes);
  return p.count > 0 ? p.files.length / p.count : 0;
}

/** 0..1 of the current file. */
export function current(p: JobProgress): number {
  return p.unitTotal > 0 ? Math.min(1, p.unitDone / p.unitTotal) : 0;
}
