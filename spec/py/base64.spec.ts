/**
 * lib/py/base64.ts against CPython's `base64.decodebytes()`, which the CGI
 * handler uses on `Authorization: Basic` credentials: well-formed texts,
 * texts with characters outside the alphabet (skipped), pads in odd places
 * and bad padding, answered by python3 (see cpython.ts). `null` stands for
 * Python's `binascii.Error`.
 */
import { expect } from "chai";
import fc from "fast-check";
import { decodeBase64Lenient } from "../../lib/py/index.js";
import { ask, sample } from "./cpython.js";

const TABLE: string[] = [
  "", "dXNlcjpwYXNz", "dXNlcjpwYXNzMQ==", "dXNlcjpwYXNzMTI=", "dXNl cjpw\nYXNz", "dXNl*cjpw!YXNz",
  "YQ", "YQ=", "YQ==", "YQ===", "YQ==YQ==", "Y", "=", "==", "====", "YWJj=", "YW=Jj", "Y=Q==", "YWJjZA=x=",
];
const generated = sample(fc.string({ unit: fc.constantFrom("Y", "W", "J", "j", "Q", "=", " ", "!", "+", "/", "0"), maxLength: 12 }), 300);
const texts = [...TABLE, ...generated];
const answers = ask("b64", texts);

describe("py: base64.decodebytes() (decodeBase64Lenient)", () => {
  it("decodes every text as CPython does, or fails where CPython raises", () => {
    const expected = answers();
    texts.forEach((text, i) => {
      const [status, value] = expected[i]!;
      const got = decodeBase64Lenient(text);
      const where = JSON.stringify(text);
      if (status === "ok") expect(got === null ? null : Array.from(got), where).to.deep.equal(value);
      else expect(got, `${where}: CPython raised ${status}`).to.equal(null);
    });
  });
});
