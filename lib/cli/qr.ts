/**
 * `--qr`: the URL a phone on the same network can use, as a QR code made of
 * block characters (`qrcode`'s UTF-8 renderer), with the URL printed under it.
 *
 * @module
 */
import QRCode from "qrcode";

/** A QR code of `url` drawn with `█`, `▀`, `▄` and spaces (two rows of modules per line), followed by the URL. */
export async function qrBlock(url: string): Promise<string> {
  const code = await QRCode.toString(url, { type: "utf8", errorCorrectionLevel: "M", margin: 2 });
  return `${code.endsWith("\n") ? code : code + "\n"}  ${url}\n`;
}
