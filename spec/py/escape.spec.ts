/**
 * lib/py/escape.ts: log escaping and `html.escape` against python3 on
 * generated batches (see cpython.ts), and the log escaping's reversibility.
 */
import { expect } from "chai";
import fc from "fast-check";
import { escapeControlChars, htmlEscape } from "../../lib/py/index.js";
import { SEED, ask, ok, sample, trickyChar, trickyString } from "./cpython.js";

const logStrings = sample(trickyString, 300);
const logAnswers = ask("logescape", logStrings);
const htmlText = fc.string({ unit: fc.oneof(fc.constantFrom("&", "<", ">", '"', "'", ";", "#"), trickyChar), maxLength: 16 });
const htmlCases = sample(fc.tuple(htmlText, fc.boolean()), 300);
const htmlAnswers = ask("html", htmlCases);

describe("py/escape", () => {
  describe("escapeControlChars()", () => {
    it("leaves ordinary text alone and returns the same string", () => {
      const line = '"GET /index.html HTTP/1.1" 200 -';
      expect(escapeControlChars(line)).to.equal(line);
      expect(escapeControlChars("café ünïcødé 😀")).to.equal("café ünïcødé 😀");
    });

    it("escapes C0 and C1 controls as \\xNN and doubles backslashes", () => {
      expect(escapeControlChars("a\x00b\x1b[31mc\n\x7f\x80\x9f\\")).to.equal(
        "a\\x00b\\x1b[31mc\\x0a\\x7f\\x80\\x9f\\\\",
      );
      expect(escapeControlChars("\xa0\xad")).to.equal("\xa0\xad");
    });

    it("matches Python 3.12+'s log_message escaping on a generated batch", () => {
      const answers = logAnswers();
      logStrings.forEach((s, i) => {
        const where = `seed ${SEED}, ${JSON.stringify(s)}`;
        expect(escapeControlChars(s), where).to.equal(ok(answers[i]!, where));
      });
    });

    it("is reversible, so a client cannot forge an escape sequence", () => {
      const unescape = (s: string): string =>
        s.replace(/\\(\\|x([0-9a-f]{2}))/g, (_m, whole: string, hex: string | undefined) =>
          hex === undefined ? whole : String.fromCharCode(parseInt(hex, 16)),
        );
      fc.assert(
        fc.property(trickyString, (s) => {
          const escaped = escapeControlChars(s);
          expect(escaped).to.not.match(/[\x00-\x1f\x7f-\x9f]/);
          expect(unescape(escaped)).to.equal(s);
        }),
        { numRuns: 500 },
      );
    });
  });

  describe("htmlEscape()", () => {
    it("escapes &, <, > and, by default, both quotes", () => {
      expect(htmlEscape(`<a href="x">Tom & 'Jerry'</a>`)).to.equal(
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/a&gt;",
      );
      expect(htmlEscape(`"it's" <b> & co`, false)).to.equal(`"it's" &lt;b&gt; &amp; co`);
      expect(htmlEscape("&amp;")).to.equal("&amp;amp;");
      expect(htmlEscape("plain")).to.equal("plain");
    });

    it("matches python3's html.escape on a generated batch", () => {
      const answers = htmlAnswers();
      htmlCases.forEach(([s, quote], i) => {
        const where = `seed ${SEED}, ${JSON.stringify(s)}`;
        expect(htmlEscape(s, quote), where).to.equal(ok(answers[i]!, where));
      });
    });
  });
});
