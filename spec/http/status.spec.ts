/**
 * HTTPStatus and the responses table: Python 3.14's codes, phrases and
 * descriptions, old alias names, lookups, and a cross-check against the
 * machine's python3.
 */
import { execFileSync } from "node:child_process";
import { expect } from "chai";
import fc from "fast-check";
import { HTTPStatus, responses, type HTTPStatusInfo } from "../../lib/http/status.js";

/**
 * The 3.14 table from the behavioural reference (section 3), transcribed
 * independently of lib/http/status.ts: code -> [phrase, description].
 */
const REFERENCE: Record<number, [string, string]> = {
  100: ["Continue", "Request received, please continue"],
  101: ["Switching Protocols", "Switching to new protocol; obey Upgrade header"],
  102: ["Processing", "Server is processing the request"],
  103: ["Early Hints", "Headers sent to prepare for the response"],
  200: ["OK", "Request fulfilled, document follows"],
  201: ["Created", "Document created, URL follows"],
  202: ["Accepted", "Request accepted, processing continues off-line"],
  203: ["Non-Authoritative Information", "Request fulfilled from cache"],
  204: ["No Content", "Request fulfilled, nothing follows"],
  205: ["Reset Content", "Clear input form for further input"],
  206: ["Partial Content", "Partial content follows"],
  207: ["Multi-Status", "Response contains multiple statuses in the body"],
  208: ["Already Reported", "Operation has already been reported"],
  226: ["IM Used", "Request completed using instance manipulations"],
  300: ["Multiple Choices", "Object has several resources -- see URI list"],
  301: ["Moved Permanently", "Object moved permanently -- see URI list"],
  302: ["Found", "Object moved temporarily -- see URI list"],
  303: ["See Other", "Object moved -- see Method and URL list"],
  304: ["Not Modified", "Document has not changed since given time"],
  305: ["Use Proxy", "You must use proxy specified in Location to access this resource"],
  307: ["Temporary Redirect", "Object moved temporarily -- see URI list"],
  308: ["Permanent Redirect", "Object moved permanently -- see URI list"],
  400: ["Bad Request", "Bad request syntax or unsupported method"],
  401: ["Unauthorized", "No permission -- see authorization schemes"],
  402: ["Payment Required", "No payment -- see charging schemes"],
  403: ["Forbidden", "Request forbidden -- authorization will not help"],
  404: ["Not Found", "Nothing matches the given URI"],
  405: ["Method Not Allowed", "Specified method is invalid for this resource"],
  406: ["Not Acceptable", "URI not available in preferred format"],
  407: ["Proxy Authentication Required", "You must authenticate with this proxy before proceeding"],
  408: ["Request Timeout", "Request timed out; try again later"],
  409: ["Conflict", "Request conflict"],
  410: ["Gone", "URI no longer exists and has been permanently removed"],
  411: ["Length Required", "Client must specify Content-Length"],
  412: ["Precondition Failed", "Precondition in headers is false"],
  413: ["Content Too Large", "Content is too large"],
  414: ["URI Too Long", "URI is too long"],
  415: ["Unsupported Media Type", "Entity body in unsupported format"],
  416: ["Range Not Satisfiable", "Cannot satisfy request range"],
  417: ["Expectation Failed", "Expect condition could not be satisfied"],
  418: ["I'm a Teapot", "Server refuses to brew coffee because it is a teapot"],
  421: ["Misdirected Request", "Server is not able to produce a response"],
  422: ["Unprocessable Content", "Server is not able to process the contained instructions"],
  423: ["Locked", "Resource of a method is locked"],
  424: ["Failed Dependency", "Dependent action of the request failed"],
  425: ["Too Early", "Server refuses to process a request that might be replayed"],
  426: ["Upgrade Required", "Server refuses to perform the request using the current protocol"],
  428: ["Precondition Required", "The origin server requires the request to be conditional"],
  429: [
    "Too Many Requests",
    'The user has sent too many requests in a given amount of time ("rate limiting")',
  ],
  431: [
    "Request Header Fields Too Large",
    "The server is unwilling to process the request because its header fields are too large",
  ],
  451: [
    "Unavailable For Legal Reasons",
    "The server is denying access to the resource as a consequence of a legal demand",
  ],
  500: ["Internal Server Error", "Server got itself in trouble"],
  501: ["Not Implemented", "Server does not support this operation"],
  502: ["Bad Gateway", "Invalid responses from another server/proxy"],
  503: ["Service Unavailable", "The server cannot process the request due to a high load"],
  504: ["Gateway Timeout", "The gateway server did not receive a timely response"],
  505: ["HTTP Version Not Supported", "Cannot fulfill request"],
  506: ["Variant Also Negotiates", "Server has an internal configuration error"],
  507: ["Insufficient Storage", "Server is not able to store the representation"],
  508: ["Loop Detected", "Server encountered an infinite loop while processing a request"],
  510: ["Not Extended", "Request does not meet the resource access policy"],
  511: ["Network Authentication Required", "The client needs to authenticate to gain network access"],
};

const REFERENCE_CODES = Object.keys(REFERENCE).map(Number);

/** Something typed as a plain number, as sendResponse/sendError parameters are. */
function takesNumber(code: number): number {
  return code;
}

describe("HTTPStatus", () => {
  describe("members", () => {
    it("are plain numbers usable wherever a number is expected", () => {
      expect(HTTPStatus.OK).to.equal(200);
      expect(HTTPStatus.NOT_FOUND).to.equal(404);
      expect(typeof HTTPStatus.INTERNAL_SERVER_ERROR).to.equal("number");
      expect(takesNumber(HTTPStatus.NOT_FOUND)).to.equal(404);
      expect(HTTPStatus.NOT_FOUND + 1).to.equal(405);
      // Compile-time: a member's type is its literal code.
      const teapot: 418 = HTTPStatus.IM_A_TEAPOT;
      expect(teapot).to.equal(418);
    });

    it("include the names Python 3.13+ introduced", () => {
      expect(HTTPStatus.EARLY_HINTS).to.equal(103);
      expect(HTTPStatus.CONTENT_TOO_LARGE).to.equal(413);
      expect(HTTPStatus.URI_TOO_LONG).to.equal(414);
      expect(HTTPStatus.RANGE_NOT_SATISFIABLE).to.equal(416);
      expect(HTTPStatus.IM_A_TEAPOT).to.equal(418);
      expect(HTTPStatus.UNPROCESSABLE_CONTENT).to.equal(422);
    });

    it("keep Python's old names as aliases of the same codes", () => {
      expect(HTTPStatus.REQUEST_ENTITY_TOO_LARGE).to.equal(HTTPStatus.CONTENT_TOO_LARGE);
      expect(HTTPStatus.REQUEST_URI_TOO_LONG).to.equal(HTTPStatus.URI_TOO_LONG);
      expect(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE).to.equal(HTTPStatus.RANGE_NOT_SATISFIABLE);
      expect(HTTPStatus.UNPROCESSABLE_ENTITY).to.equal(HTTPStatus.UNPROCESSABLE_CONTENT);
      expect(HTTPStatus.from(HTTPStatus.REQUEST_URI_TOO_LONG).name).to.equal("URI_TOO_LONG");
    });

    it("cannot be changed", () => {
      expect(Object.isFrozen(HTTPStatus)).to.equal(true);
      expect(() => {
        (HTTPStatus as unknown as Record<string, number>).OK = 201;
      }).to.throw(TypeError);
      expect(HTTPStatus.OK).to.equal(200);
    });
  });

  describe("the table", () => {
    it("has exactly the codes of Python 3.14, in ascending order", () => {
      expect(HTTPStatus.members().map((m) => m.value)).to.deep.equal(REFERENCE_CODES);
    });

    it("has Python 3.14's phrase and description for every code", () => {
      for (const code of REFERENCE_CODES) {
        const [phrase, description] = REFERENCE[code]!;
        expect(HTTPStatus.phrase(code), `phrase of ${code}`).to.equal(phrase);
        expect(HTTPStatus.description(code), `description of ${code}`).to.equal(description);
        expect(responses[code], `responses[${code}]`).to.deep.equal([phrase, description]);
      }
    });

    it("uses the 3.14 wording where 3.11 differs", () => {
      expect(HTTPStatus.phrase(413)).to.equal("Content Too Large");
      expect(HTTPStatus.phrase(414)).to.equal("URI Too Long");
      expect(HTTPStatus.phrase(416)).to.equal("Range Not Satisfiable");
      expect(HTTPStatus.phrase(422)).to.equal("Unprocessable Content");
      expect(HTTPStatus.description(418)).to.equal("Server refuses to brew coffee because it is a teapot");
      expect(HTTPStatus.description(102)).to.equal("Server is processing the request");
    });

    it("lists every name, aliases included, in entries()", () => {
      const entries = HTTPStatus.entries();
      expect(entries).to.have.length(REFERENCE_CODES.length + 4);
      const names = entries.map(([name]) => name);
      expect(new Set(names).size).to.equal(names.length);
      for (const [name, value] of entries) {
        expect((HTTPStatus as unknown as Record<string, number>)[name], name).to.equal(value);
      }
      expect(names).to.include.members([
        "REQUEST_ENTITY_TOO_LARGE",
        "REQUEST_URI_TOO_LONG",
        "REQUESTED_RANGE_NOT_SATISFIABLE",
        "UNPROCESSABLE_ENTITY",
      ]);
    });

    it("gives members() canonical names only, each code once", () => {
      const names = HTTPStatus.members().map((m) => m.name);
      expect(names).to.not.include("REQUEST_URI_TOO_LONG");
      expect(new Set(HTTPStatus.members().map((m) => m.value)).size).to.equal(REFERENCE_CODES.length);
    });
  });

  describe("lookups", () => {
    it("from() returns a frozen info object with Python 3.12's category flags", () => {
      const info = HTTPStatus.from(404);
      expect(info).to.include({
        value: 404,
        name: "NOT_FOUND",
        phrase: "Not Found",
        description: "Nothing matches the given URI",
        isInformational: false,
        isSuccess: false,
        isRedirection: false,
        isClientError: true,
        isServerError: false,
      });
      expect(Object.isFrozen(info)).to.equal(true);
      expect(HTTPStatus.from(404)).to.equal(info);
      expect(String(info)).to.equal("404");
      expect(+info).to.equal(404);
    });

    it("category flags agree with the code's hundreds digit for every member", () => {
      fc.assert(
        fc.property(fc.constantFrom(...HTTPStatus.members()), (info: HTTPStatusInfo) => {
          const klass = Math.floor(info.value / 100);
          expect(info.isInformational).to.equal(klass === 1);
          expect(info.isSuccess).to.equal(klass === 2);
          expect(info.isRedirection).to.equal(klass === 3);
          expect(info.isClientError).to.equal(klass === 4);
          expect(info.isServerError).to.equal(klass === 5);
        }),
      );
    });

    it("from() rejects unknown codes like Python's HTTPStatus(999)", () => {
      for (const bad of [999, 0, 299, 404.5, -404, Number.NaN, 1e9]) {
        expect(() => HTTPStatus.from(bad), String(bad))
          .to.throw(RangeError, `${String(bad)} is not a valid HTTPStatus`)
          .with.property("name", "ValueError");
      }
    });

    it("phrase(), description(), get() and has() answer undefined/false for unknown codes", () => {
      fc.assert(
        fc.property(
          fc.oneof(fc.integer({ min: -1000, max: 2000 }), fc.double()),
          (code) => {
            const known = Object.hasOwn(REFERENCE, code) && Number.isInteger(code);
            expect(HTTPStatus.has(code)).to.equal(known);
            expect(HTTPStatus.get(code)?.value).to.equal(known ? code : undefined);
            expect(HTTPStatus.phrase(code)).to.equal(known ? REFERENCE[code]![0] : undefined);
            expect(HTTPStatus.description(code)).to.equal(known ? REFERENCE[code]![1] : undefined);
            expect(responses[code]).to.deep.equal(known ? REFERENCE[code] : undefined);
          },
        ),
        { numRuns: 500 },
      );
    });
  });

  describe("responses", () => {
    it("is frozen, keyed by code, and built from the same table", () => {
      expect(Object.isFrozen(responses)).to.equal(true);
      expect(Object.keys(responses).map(Number)).to.deep.equal(REFERENCE_CODES);
      expect(responses[413]).to.deep.equal(["Content Too Large", "Content is too large"]);
      expect(Object.isFrozen(responses[200])).to.equal(true);
    });

    it("can be extended by copying", () => {
      const mine: Record<number, readonly [string, string]> = { ...responses, 299: ["Custom", "Mine"] };
      expect(mine[299]).to.deep.equal(["Custom", "Mine"]);
      expect(mine[404]).to.deep.equal(responses[404]);
      expect(responses[299]).to.equal(undefined);
    });
  });

  describe("against the machine's python3", () => {
    /** Where CPython 3.11 (the local python3) words things differently from 3.14. */
    const OLD_PHRASES: Record<number, string> = {
      413: "Request Entity Too Large",
      414: "Request-URI Too Long",
      416: "Requested Range Not Satisfiable",
      422: "Unprocessable Entity",
    };
    const OLD_DESCRIPTIONS: Record<number, string> = {
      413: "Entity is too large",
      418: "Server refuses to brew coffee because it is a teapot.",
    };

    type PyMember = [name: string, value: number, phrase: string, description: string];
    let python: { members: PyMember[]; names: Array<[string, number]> };

    before(function () {
      const script = [
        "import http, json",
        "members = [[m.name, m.value, m.phrase, m.description] for m in http.HTTPStatus]",
        "names = [[n, m.value] for n, m in http.HTTPStatus.__members__.items()]",
        "print(json.dumps({'members': members, 'names': names}))",
      ].join("\n");
      python = JSON.parse(execFileSync("python3", ["-c", script], { encoding: "utf8" })) as typeof python;
    });

    it("knows every code python3 knows, and no other", () => {
      expect(HTTPStatus.members().map((m) => m.value)).to.deep.equal(python.members.map((m) => m[1]));
    });

    it("has python3's phrases and descriptions, apart from the documented 3.14 changes", () => {
      for (const [name, value, phrase, description] of python.members) {
        const ours = HTTPStatus.from(value);
        if (OLD_PHRASES[value] !== undefined && phrase === OLD_PHRASES[value]) {
          expect(ours.phrase, name).to.not.equal(phrase);
        } else {
          expect(ours.phrase, `${name} phrase`).to.equal(phrase);
        }
        if (description === "" || description === OLD_DESCRIPTIONS[value]) {
          // 3.11 left many descriptions empty; 3.14 fills them in.
          expect(ours.description, `${name} description`).to.not.equal("");
        } else {
          expect(ours.description, `${name} description`).to.equal(description);
        }
      }
    });

    it("accepts every member name python3 accepts, with the same value", () => {
      const table = HTTPStatus as unknown as Record<string, number>;
      for (const [name, value] of python.names) {
        expect(table[name], name).to.equal(value);
      }
    });
  });
});
