/**
 * Chess board drawing for the puzzles panel: squares, the opponent's last move, the per-iteration heat map of
 * P(square is the answer's from- or to-square), pieces, and arrows (the predicted move, the correct one once
 * revealed). Square indices follow src/shared/problems/chess.ts: 0 = a8 … 63 = h1. The board is seen from the side
 * to move (`flipped` = Black at the bottom).
 *
 * Pieces are Unicode chess glyphs (U+265A–U+265F) drawn with fillText in a system font — no image files, so nothing
 * to license (media/pieces/README.md). The solid glyphs serve both colours: white pieces are filled light with a
 * dark outline, black ones dark with a light outline, which reads the same in every theme.
 */
export const GLYPHS: Record<string, string> = {
  k: '\u265A',
  q: '\u265B',
  r: '\u265C',
  b: '\u265D',
  n: '\u265E',
  // U+FE0E asks for the text (not emoji) presentation of the pawn, which some fonts otherwise colour in.
  p: '\u265F\uFE0E',
};

export const PIECE_FONT = '"DejaVu Sans", "Segoe UI Symbol", "Apple Symbols", "Noto Sans Symbols 2", "Noto Sans Symbols", FreeSerif, serif';

/** FEN placement → 64 entries (a8 first): a piece letter (uppercase = White) or ''. Throws naming the rank. */
export function parsePlacement(fen: string): string[] {
  const placement = fen.trim().split(/\s+/)[0] ?? '';
  const ranks = placement.split('/');
  if (ranks.length !== 8) throw new SyntaxError(`FEN placement needs 8 ranks, got ${ranks.length}`);
  const out: string[] = [];
  ranks.forEach((rank, r) => {
    let n = 0;
    for (const ch of rank) {
      if (ch >= '1' && ch <= '8') {
        for (let k = 0; k < Number(ch); k++) out.push('');
        n += Number(ch);
      } else if ('kqrbnpKQRBNP'.includes(ch)) {
        out.push(ch);
        n++;
      } else throw new SyntaxError(`FEN rank ${8 - r}: unknown piece '${ch}'`);
    }
    if (n !== 8) throw new SyntaxError(`FEN rank ${8 - r} has ${n} squares, expected 8`);
  });
  return out;
}

export function sideToMove(fen: string): 'w' | 'b' {
  return fen.trim().split(/\s+/)[1] === 'b' ? 'b' : 'w';
}

/** Screen column/row (0…7, top-left origin) of a square. */
export function screenSquare(sq: number, flipped: boolean): { col: number; row: number } {
  const row = Math.floor(sq / 8);
  const col = sq % 8;
  return flipped ? { col: 7 - col, row: 7 - row } : { col, row };
}

/** Centre of a square in pixels on a board `size` pixels wide. */
export function squareCenter(sq: number, size: number, flipped: boolean): { x: number; y: number } {
  const s = size / 8;
  const { col, row } = screenSquare(sq, flipped);
  return { x: (col + 0.5) * s, y: (row + 0.5) * s };
}

/** The square under a pixel, or -1. */
export function squareAt(x: number, y: number, size: number, flipped: boolean): number {
  if (x < 0 || y < 0 || x >= size || y >= size) return -1;
  const col = Math.floor((x / size) * 8);
  const row = Math.floor((y / size) * 8);
  return flipped ? (7 - row) * 8 + (7 - col) : row * 8 + col;
}

export interface Arrow {
  from: number;
  to: number;
  /** CSS colour */
  color: string;
  /** shaft width as a fraction of a square */
  width?: number;
}

export interface BoardPalette {
  light: string;
  dark: string;
  lastMove: string;
  /** heat colour, drawn with alpha ∝ P */
  heat: [number, number, number];
  coords: string;
}

export const DEFAULT_BOARD_PALETTE: BoardPalette = {
  light: '#f0d9b5',
  dark: '#b58863',
  lastMove: 'rgba(255, 215, 0, 0.35)',
  heat: [230, 60, 30],
  coords: 'rgba(0, 0, 0, 0.55)',
};

export interface BoardScene {
  fen: string;
  flipped: boolean;
  lastMove?: { from: number; to: number };
  /** 64 values 0…255, a8 first */
  heat?: Uint8Array;
  arrows: Arrow[];
  palette?: BoardPalette;
}

/** Draw the whole scene on a square canvas context of `size` device pixels. */
export function drawBoard(ctx: CanvasRenderingContext2D, size: number, scene: BoardScene): void {
  const pal = scene.palette ?? DEFAULT_BOARD_PALETTE;
  const s = size / 8;
  const cells = parsePlacement(scene.fen);
  ctx.save();
  ctx.clearRect(0, 0, size, size);
  for (let sq = 0; sq < 64; sq++) {
    const { col, row } = screenSquare(sq, scene.flipped);
    const x = col * s;
    const y = row * s;
    // a8 (row 0, col 0) is a light square: (row + col) even → light.
    ctx.fillStyle = (Math.floor(sq / 8) + (sq % 8)) % 2 === 0 ? pal.light : pal.dark;
    ctx.fillRect(x, y, s, s);
    if (scene.lastMove && (sq === scene.lastMove.from || sq === scene.lastMove.to)) {
      ctx.fillStyle = pal.lastMove;
      ctx.fillRect(x, y, s, s);
    }
    const h = scene.heat?.[sq] ?? 0;
    if (h > 0) {
      ctx.fillStyle = `rgba(${pal.heat[0]}, ${pal.heat[1]}, ${pal.heat[2]}, ${((0.8 * h) / 255).toFixed(3)})`;
      ctx.fillRect(x, y, s, s);
    }
  }
  drawCoords(ctx, s, scene.flipped, pal);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.font = `${Math.round(s * 0.78)}px ${PIECE_FONT}`;
  ctx.lineJoin = 'round';
  for (let sq = 0; sq < 64; sq++) {
    const piece = cells[sq];
    if (!piece) continue;
    const { x, y } = squareCenter(sq, size, scene.flipped);
    const white = piece !== piece.toLowerCase();
    const glyph = GLYPHS[piece.toLowerCase()];
    ctx.lineWidth = Math.max(1, s * 0.06);
    ctx.strokeStyle = white ? '#1a1a1a' : '#f4f4f4';
    ctx.fillStyle = white ? '#ffffff' : '#111111';
    // Glyphs sit slightly high in most fonts; nudge down a little.
    ctx.strokeText(glyph, x, y + s * 0.04);
    ctx.fillText(glyph, x, y + s * 0.04);
  }
  for (const a of scene.arrows) drawArrow(ctx, size, scene.flipped, a);
  ctx.restore();
}

function drawCoords(ctx: CanvasRenderingContext2D, s: number, flipped: boolean, pal: BoardPalette): void {
  ctx.fillStyle = pal.coords;
  ctx.font = `${Math.max(8, Math.round(s * 0.18))}px sans-serif`;
  ctx.textBaseline = 'alphabetic';
  for (let i = 0; i < 8; i++) {
    const file = 'abcdefgh'[flipped ? 7 - i : i];
    const rank = String(flipped ? i + 1 : 8 - i);
    ctx.textAlign = 'right';
    ctx.fillText(file, (i + 1) * s - s * 0.05, 8 * s - s * 0.05);
    ctx.textAlign = 'left';
    ctx.fillText(rank, s * 0.04, i * s + s * 0.2);
  }
}

/** A straight arrow from the centre of `from` to the centre of `to`, head included. */
export function drawArrow(ctx: CanvasRenderingContext2D, size: number, flipped: boolean, a: Arrow): void {
  const s = size / 8;
  const p = squareCenter(a.from, size, flipped);
  const q = squareCenter(a.to, size, flipped);
  const dx = q.x - p.x;
  const dy = q.y - p.y;
  const len = Math.hypot(dx, dy);
  if (len < 1) return;
  const ux = dx / len;
  const uy = dy / len;
  const shaft = s * (a.width ?? 0.18);
  const head = Math.min(len * 0.6, s * 0.55);
  const baseX = q.x - ux * head;
  const baseY = q.y - uy * head;
  ctx.save();
  ctx.strokeStyle = a.color;
  ctx.fillStyle = a.color;
  ctx.lineWidth = shaft;
  ctx.lineCap = 'round';
  ctx.beginPath();
  ctx.moveTo(p.x, p.y);
  ctx.lineTo(baseX, baseY);
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(q.x, q.y);
  ctx.lineTo(baseX - uy * head * 0.55, baseY + ux * head * 0.55);
  ctx.lineTo(baseX + uy * head * 0.55, baseY - ux * head * 0.55);
  ctx.closePath();
  ctx.fill();
  ctx.restore();
}
