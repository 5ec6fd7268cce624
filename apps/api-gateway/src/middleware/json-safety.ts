import type { RequestHandler } from "express";
import { validationError } from "../http/errors.ts";

export interface JsonLimits {
  maxDepth: number;
  maxArrayLength: number;
  maxStringLength: number;
  maxKeys: number;
}

/** Keys that would let a merged payload change an object's prototype; refused wherever they appear. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Bounds a parsed body before any schema sees it. The byte limit bounds size, but not shape: 10 MiB of
 * `[[[[...` nests a million deep and a megabyte string can sit in one field. Walks iteratively, so a deep
 * document cannot overflow the stack here either.
 */
export function findJsonProblem(value: unknown, limits: JsonLimits): string | undefined {
  // Two parallel stacks rather than one of `{ value, depth }` objects: a 1000-item batch has ~15,000
  // nodes, and an object per node was garbage on every request.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  let keys = 0;
  while (values.length > 0) {
    const current = values.pop();
    const depth = depths.pop() ?? 0;
    if (typeof current === "string") {
      if (current.length > limits.maxStringLength)
        return `a string is longer than ${limits.maxStringLength} characters`;
      continue;
    }
    if (current === null || typeof current !== "object") continue;
    if (depth >= limits.maxDepth) return `nesting is deeper than ${limits.maxDepth} levels`;
    if (Array.isArray(current)) {
      if (current.length > limits.maxArrayLength)
        return `an array has more than ${limits.maxArrayLength} items`;
      for (const item of current) {
        values.push(item);
        depths.push(depth + 1);
      }
      continue;
    }
    for (const key in current) {
      // JSON.parse yields plain objects: every enumerable key is an own key (same set as Object.keys,
      // without allocating its array per object).
      keys += 1;
      if (keys > limits.maxKeys) return `more than ${limits.maxKeys} keys in total`;
      if (FORBIDDEN_KEYS.has(key)) return `the key "${key}" is not allowed`;
      values.push((current as Record<string, unknown>)[key]);
      depths.push(depth + 1);
    }
  }
  return undefined;
}

export function jsonSafety(limits: JsonLimits): RequestHandler {
  return (req, _res, next) => {
    if (req.body === undefined) {
      next();
      return;
    }
    const problem = findJsonProblem(req.body, limits);
    if (problem) {
      next(
        validationError("request body is outside the accepted shape", [{ path: "(root)", message: problem }]),
      );
      return;
    }
    next();
  };
}
