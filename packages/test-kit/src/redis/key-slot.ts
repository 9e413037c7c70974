/** How many hash slots a Redis Cluster splits its keys into. */
export const slotCount = 16_384;

// CRC16 with the XMODEM parameters (polynomial 0x1021, initial value 0, no reflection), the
// checksum Redis Cluster takes of a key; a table of the 256 byte values makes it one lookup a byte.
const crcTable: readonly number[] = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  return crc;
});

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (crcTable[((crc >> 8) ^ byte) & 0xff] ?? 0);
  return crc;
}

/**
 * The part of a key that Redis hashes: the text between the first `{` and the first `}` after
 * it, when that text is not empty (a hash tag, which keeps related keys in one slot); else the
 * whole key.
 */
export function hashedPart(key: Uint8Array): Uint8Array {
  const open = key.indexOf(0x7b);
  if (open < 0) return key;
  const close = key.indexOf(0x7d, open + 1);
  if (close < 0 || close === open + 1) return key;
  return key.subarray(open + 1, close);
}

/** The hash slot of `key` (its UTF-8 bytes), as `CLUSTER KEYSLOT` answers. */
export const keySlot = (key: string | Uint8Array): number =>
  crc16(hashedPart(typeof key === "string" ? new TextEncoder().encode(key) : key)) % slotCount;
