/**
 * `--tls-self-signed` and `--tls-save`: a certificate made at start-up for
 * this machine's names and addresses, kept in memory (nothing is written
 * unless asked), and its SHA-256 fingerprint for clients to check.
 *
 * The certificate is made by the `selfsigned` package (X.509 through
 * `@peculiar/x509`): an ECDSA P-256 key, signed with SHA-256, valid for 30
 * days from one hour ago, with `localhost`, `127.0.0.1`, `::1` and every
 * LAN address of the machine as subject alternative names.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import { constants, promises as fsp } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";

/** A certificate and its key, in PEM, with the certificate's fingerprint. */
export interface SelfSignedCertificate {
  /** The certificate (PEM). */
  cert: string;
  /** The private key (PEM, PKCS#8, unencrypted). */
  key: string;
  /** SHA-256 of the certificate (DER), as colon-separated hex pairs (`AB:CD:...`), as browsers and `openssl x509 -fingerprint -sha256` show it. */
  fingerprint256: string;
  /** The names (`DNS`) and addresses (`IP`) the certificate is valid for. */
  altNames: string[];
}

/** How long a made certificate is valid, in days. */
const VALID_DAYS = 30;

/** `localhost`, the loopback addresses and every non-internal address of this machine's interfaces (IPv6 link-local ones left out). */
export function certificateAddresses(): string[] {
  const out = new Set<string>(["127.0.0.1", "::1"]);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === "IPv6" && /^fe[89ab]/i.test(a.address)) continue;
      out.add(a.address);
    }
  }
  return [...out];
}

/**
 * Make a self-signed certificate for `localhost` and `addresses` (default:
 * {@link certificateAddresses}). Takes a few milliseconds; nothing touches
 * the disk.
 */
export async function makeSelfSignedCertificate(addresses: readonly string[] = certificateAddresses()): Promise<SelfSignedCertificate> {
  const notBeforeDate = new Date(Date.now() - 3600_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + VALID_DAYS * 86400_000);
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: false, critical: true },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [{ type: 2, value: "localhost" }, ...addresses.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  });
  const x509 = new X509Certificate(pems.cert);
  return {
    cert: pems.cert,
    key: pems.private,
    fingerprint256: x509.fingerprint256,
    altNames: (x509.subjectAltName ?? "").split(", ").filter((n) => n !== ""),
  };
}

/**
 * Write `cert.pem` (mode 0644) and `key.pem` (mode 0600) into the existing
 * folder `dir`. Neither file may exist already: an existing one is never
 * replaced, and the error says which. Returns the two paths.
 */
export async function saveCertificate(dir: string, made: SelfSignedCertificate): Promise<{ cert: string; key: string }> {
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  for (const path of [certPath, keyPath]) {
    const exists = await fsp.access(path, constants.F_OK).then(
      () => true,
      () => false,
    );
    if (exists) throw new Error(`--tls-save: ${path} exists already; it is not replaced (remove it, or save into another folder)`);
  }
  // "wx": created here or not at all (a file made meanwhile is not replaced either).
  await fsp.writeFile(keyPath, made.key, { flag: "wx", mode: 0o600 });
  try {
    await fsp.writeFile(certPath, made.cert, { flag: "wx", mode: 0o644 });
  } catch (err) {
    await fsp.unlink(keyPath).catch(() => undefined);
    throw err;
  }
  return { cert: certPath, key: keyPath };
}
