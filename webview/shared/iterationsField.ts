/** The panels' "Iterations" field: blank or "auto" → 'auto'; a whole number 1…max; anything else → undefined. */
export const MAX_FIELD_ITERATIONS = 2000;

export function parseIterationsText(text: string, max = MAX_FIELD_ITERATIONS): number | 'auto' | undefined {
  const t = text.trim();
  if (t === '' || t === 'auto') return 'auto';
  const n = Number(t);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : undefined;
}
