/**
 * HTTP status codes with their reason phrases and short explanations: the
 * TypeScript counterpart of Python's `http.HTTPStatus` (as of Python 3.14).
 *
 * Members are plain numbers, so they go wherever a status code goes:
 *
 * ```ts
 * import { HTTPStatus } from "http.server";
 * handler.sendError(HTTPStatus.NOT_FOUND);      // same as sendError(404)
 * HTTPStatus.NOT_FOUND === 404;                 // true
 * HTTPStatus.phrase(404);                       // "Not Found"
 * HTTPStatus.from(404).isClientError;           // true
 * ```
 *
 * One internal table feeds everything here: the members, the
 * lookups and the {@link responses} map used by `BaseHTTPRequestHandler`.
 *
 * @module
 */

/**
 * The single source of truth: member name -> `[code, phrase, description]`.
 * Names, phrases and descriptions are Python 3.14's.
 */
const STATUS_TABLE = {
  // 1xx informational
  /** 100: the head was accepted; the client may send the body. */
  CONTINUE: [100, "Continue", "Request received, please continue"],
  /** 101: the server switches to the protocol named in `Upgrade`. */
  SWITCHING_PROTOCOLS: [101, "Switching Protocols", "Switching to new protocol; obey Upgrade header"],
  /** 102 (WebDAV): still working, a final answer will follow. */
  PROCESSING: [102, "Processing", "Server is processing the request"],
  /** 103: provisional headers (for example preload links) ahead of the response. */
  EARLY_HINTS: [103, "Early Hints", "Headers sent to prepare for the response"],

  // 2xx success
  /** 200: the request succeeded. */
  OK: [200, "OK", "Request fulfilled, document follows"],
  /** 201: a new resource was made; `Location` says where. */
  CREATED: [201, "Created", "Document created, URL follows"],
  /** 202: accepted for processing that has not finished. */
  ACCEPTED: [202, "Accepted", "Request accepted, processing continues off-line"],
  /** 203: success, but the payload was altered by a proxy. */
  NON_AUTHORITATIVE_INFORMATION: [203, "Non-Authoritative Information", "Request fulfilled from cache"],
  /** 204: success with no body. */
  NO_CONTENT: [204, "No Content", "Request fulfilled, nothing follows"],
  /** 205: success; the client should reset its form or view. */
  RESET_CONTENT: [205, "Reset Content", "Clear input form for further input"],
  /** 206: the body is the requested byte range(s). */
  PARTIAL_CONTENT: [206, "Partial Content", "Partial content follows"],
  /** 207 (WebDAV): the body reports several independent results. */
  MULTI_STATUS: [207, "Multi-Status", "Response contains multiple statuses in the body"],
  /** 208 (WebDAV): members already listed earlier in this response. */
  ALREADY_REPORTED: [208, "Already Reported", "Operation has already been reported"],
  /** 226 (delta encoding): instance manipulations were applied. */
  IM_USED: [226, "IM Used", "Request completed using instance manipulations"],

  // 3xx redirection
  /** 300: several representations exist; pick one. */
  MULTIPLE_CHOICES: [300, "Multiple Choices", "Object has several resources -- see URI list"],
  /** 301: the resource has a new permanent URL. */
  MOVED_PERMANENTLY: [301, "Moved Permanently", "Object moved permanently -- see URI list"],
  /** 302: the resource is temporarily elsewhere. */
  FOUND: [302, "Found", "Object moved temporarily -- see URI list"],
  /** 303: fetch the result from another URL with GET. */
  SEE_OTHER: [303, "See Other", "Object moved -- see Method and URL list"],
  /** 304: the cached copy is still current. */
  NOT_MODIFIED: [304, "Not Modified", "Document has not changed since given time"],
  /** 305: deprecated; go through the proxy in `Location`. */
  USE_PROXY: [305, "Use Proxy", "You must use proxy specified in Location to access this resource"],
  /** 307: temporarily elsewhere; repeat with the same method. */
  TEMPORARY_REDIRECT: [307, "Temporary Redirect", "Object moved temporarily -- see URI list"],
  /** 308: permanently elsewhere; repeat with the same method. */
  PERMANENT_REDIRECT: [308, "Permanent Redirect", "Object moved permanently -- see URI list"],

  // 4xx client error
  /** 400: the request is malformed. */
  BAD_REQUEST: [400, "Bad Request", "Bad request syntax or unsupported method"],
  /** 401: credentials are missing or wrong. */
  UNAUTHORIZED: [401, "Unauthorized", "No permission -- see authorization schemes"],
  /** 402: reserved for payment schemes. */
  PAYMENT_REQUIRED: [402, "Payment Required", "No payment -- see charging schemes"],
  /** 403: understood but refused. */
  FORBIDDEN: [403, "Forbidden", "Request forbidden -- authorization will not help"],
  /** 404: nothing lives at this URL. */
  NOT_FOUND: [404, "Not Found", "Nothing matches the given URI"],
  /** 405: the method is not supported for this resource. */
  METHOD_NOT_ALLOWED: [405, "Method Not Allowed", "Specified method is invalid for this resource"],
  /** 406: no representation matches the `Accept*` headers. */
  NOT_ACCEPTABLE: [406, "Not Acceptable", "URI not available in preferred format"],
  /** 407: the proxy wants credentials first. */
  PROXY_AUTHENTICATION_REQUIRED: [
    407,
    "Proxy Authentication Required",
    "You must authenticate with this proxy before proceeding",
  ],
  /** 408: the client took too long to send its request. */
  REQUEST_TIMEOUT: [408, "Request Timeout", "Request timed out; try again later"],
  /** 409: the request clashes with the resource's current state. */
  CONFLICT: [409, "Conflict", "Request conflict"],
  /** 410: removed for good. */
  GONE: [410, "Gone", "URI no longer exists and has been permanently removed"],
  /** 411: a `Content-Length` header is needed. */
  LENGTH_REQUIRED: [411, "Length Required", "Client must specify Content-Length"],
  /** 412: a conditional header did not hold. */
  PRECONDITION_FAILED: [412, "Precondition Failed", "Precondition in headers is false"],
  /** 413: the body is bigger than the server accepts (old name: `REQUEST_ENTITY_TOO_LARGE`). */
  CONTENT_TOO_LARGE: [413, "Content Too Large", "Content is too large"],
  /** 414: the request target is too long (old name: `REQUEST_URI_TOO_LONG`). */
  URI_TOO_LONG: [414, "URI Too Long", "URI is too long"],
  /** 415: the body's media type is not supported. */
  UNSUPPORTED_MEDIA_TYPE: [415, "Unsupported Media Type", "Entity body in unsupported format"],
  /** 416: the requested range lies outside the content (old name: `REQUESTED_RANGE_NOT_SATISFIABLE`). */
  RANGE_NOT_SATISFIABLE: [416, "Range Not Satisfiable", "Cannot satisfy request range"],
  /** 417: the `Expect` header cannot be met. */
  EXPECTATION_FAILED: [417, "Expectation Failed", "Expect condition could not be satisfied"],
  /** 418 (RFC 2324, a joke that stuck): the server is a teapot. */
  IM_A_TEAPOT: [418, "I'm a Teapot", "Server refuses to brew coffee because it is a teapot"],
  /** 421: this server is not the one that answers for the URL. */
  MISDIRECTED_REQUEST: [421, "Misdirected Request", "Server is not able to produce a response"],
  /** 422: well-formed but semantically unusable (old name: `UNPROCESSABLE_ENTITY`). */
  UNPROCESSABLE_CONTENT: [
    422,
    "Unprocessable Content",
    "Server is not able to process the contained instructions",
  ],
  /** 423 (WebDAV): the resource is locked. */
  LOCKED: [423, "Locked", "Resource of a method is locked"],
  /** 424 (WebDAV): an action this one depended on failed. */
  FAILED_DEPENDENCY: [424, "Failed Dependency", "Dependent action of the request failed"],
  /** 425: refused because TLS early data could be replayed. */
  TOO_EARLY: [425, "Too Early", "Server refuses to process a request that might be replayed"],
  /** 426: switch to the protocol named in `Upgrade` and retry. */
  UPGRADE_REQUIRED: [
    426,
    "Upgrade Required",
    "Server refuses to perform the request using the current protocol",
  ],
  /** 428: the server insists on a conditional request. */
  PRECONDITION_REQUIRED: [
    428,
    "Precondition Required",
    "The origin server requires the request to be conditional",
  ],
  /** 429: rate limited. */
  TOO_MANY_REQUESTS: [
    429,
    "Too Many Requests",
    'The user has sent too many requests in a given amount of time ("rate limiting")',
  ],
  /** 431: one header, or all of them together, are too big. */
  REQUEST_HEADER_FIELDS_TOO_LARGE: [
    431,
    "Request Header Fields Too Large",
    "The server is unwilling to process the request because its header fields are too large",
  ],
  /** 451: withheld for legal reasons. */
  UNAVAILABLE_FOR_LEGAL_REASONS: [
    451,
    "Unavailable For Legal Reasons",
    "The server is denying access to the resource as a consequence of a legal demand",
  ],

  // 5xx server error
  /** 500: the server failed unexpectedly. */
  INTERNAL_SERVER_ERROR: [500, "Internal Server Error", "Server got itself in trouble"],
  /** 501: the method is not implemented. */
  NOT_IMPLEMENTED: [501, "Not Implemented", "Server does not support this operation"],
  /** 502: the upstream server answered with garbage. */
  BAD_GATEWAY: [502, "Bad Gateway", "Invalid responses from another server/proxy"],
  /** 503: overloaded or down for maintenance. */
  SERVICE_UNAVAILABLE: [
    503,
    "Service Unavailable",
    "The server cannot process the request due to a high load",
  ],
  /** 504: the upstream server did not answer in time. */
  GATEWAY_TIMEOUT: [504, "Gateway Timeout", "The gateway server did not receive a timely response"],
  /** 505: the request's HTTP major version is not supported. */
  HTTP_VERSION_NOT_SUPPORTED: [505, "HTTP Version Not Supported", "Cannot fulfill request"],
  /** 506: content negotiation is misconfigured and loops. */
  VARIANT_ALSO_NEGOTIATES: [
    506,
    "Variant Also Negotiates",
    "Server has an internal configuration error",
  ],
  /** 507 (WebDAV): out of storage space. */
  INSUFFICIENT_STORAGE: [507, "Insufficient Storage", "Server is not able to store the representation"],
  /** 508 (WebDAV): an infinite loop was detected. */
  LOOP_DETECTED: [
    508,
    "Loop Detected",
    "Server encountered an infinite loop while processing a request",
  ],
  /** 510: an extension the server requires is missing. */
  NOT_EXTENDED: [510, "Not Extended", "Request does not meet the resource access policy"],
  /** 511: log in to the network (captive portal) first. */
  NETWORK_AUTHENTICATION_REQUIRED: [
    511,
    "Network Authentication Required",
    "The client needs to authenticate to gain network access",
  ],
} as const satisfies Record<string, readonly [number, string, string]>;

/**
 * Python's older member names, kept as second names for the same codes
 * (Python 3.13 renamed them to follow RFC 9110).
 */
const ALIAS_TABLE = {
  /** Old name of {@link HTTPStatusMembers.CONTENT_TOO_LARGE} (413). */
  REQUEST_ENTITY_TOO_LARGE: "CONTENT_TOO_LARGE",
  /** Old name of {@link HTTPStatusMembers.URI_TOO_LONG} (414). */
  REQUEST_URI_TOO_LONG: "URI_TOO_LONG",
  /** Old name of {@link HTTPStatusMembers.RANGE_NOT_SATISFIABLE} (416). */
  REQUESTED_RANGE_NOT_SATISFIABLE: "RANGE_NOT_SATISFIABLE",
  /** Old name of {@link HTTPStatusMembers.UNPROCESSABLE_CONTENT} (422). */
  UNPROCESSABLE_ENTITY: "UNPROCESSABLE_CONTENT",
} as const satisfies Record<string, keyof typeof STATUS_TABLE>;

type StatusTable = typeof STATUS_TABLE;
type AliasTable = typeof ALIAS_TABLE;

/** Canonical member name -> code, one per status (no aliases). */
export type HTTPStatusMembers = { readonly [K in keyof StatusTable]: StatusTable[K][0] };

/** Old member name -> code, for Python's pre-3.13 spellings. */
export type HTTPStatusAliases = { readonly [K in keyof AliasTable]: StatusTable[AliasTable[K]][0] };

/** The canonical name of a status member, for example `"NOT_FOUND"`. */
export type HTTPStatusName = keyof StatusTable;

/** Any member name, canonical or old alias. */
export type HTTPStatusAnyName = HTTPStatusName | keyof AliasTable;

/**
 * A known status code: the union of every member's value
 * (`100 | 101 | ... | 511`). Assignable to `number`.
 */
export type HTTPStatus = HTTPStatusMembers[HTTPStatusName];

/**
 * Everything known about one status code, as returned by
 * {@link HTTPStatusNamespace.from}. Instances are frozen and shared; the same
 * code always gives the same object.
 */
export interface HTTPStatusInfo {
  /** The numeric code, for example `404`. */
  readonly value: HTTPStatus;
  /** The canonical member name, for example `"NOT_FOUND"` (never an old alias). */
  readonly name: HTTPStatusName;
  /** The reason phrase sent on the status line, for example `"Not Found"`. */
  readonly phrase: string;
  /** A one-line explanation, used in error pages. */
  readonly description: string;
  /** True for 1xx codes. */
  readonly isInformational: boolean;
  /** True for 2xx codes. */
  readonly isSuccess: boolean;
  /** True for 3xx codes. */
  readonly isRedirection: boolean;
  /** True for 4xx codes. */
  readonly isClientError: boolean;
  /** True for 5xx codes. */
  readonly isServerError: boolean;
  /** The code itself, so `+info` and `info > 399` work. */
  valueOf(): number;
  /** The code in decimal, as Python's `str(HTTPStatus.NOT_FOUND)` gives `"404"`. */
  toString(): string;
}

/**
 * The shape of the {@link HTTPStatus} object: every member (canonical and old
 * alias) as a number, plus lookup functions.
 */
export interface HTTPStatusNamespace extends HTTPStatusMembers, HTTPStatusAliases {
  /**
   * The reason phrase for `code` (`"Not Found"` for 404), or `undefined`
   * when the code is not a known status.
   */
  phrase(code: number): string | undefined;
  /**
   * The explanation for `code` (`"Nothing matches the given URI"` for 404),
   * or `undefined` when the code is not a known status.
   */
  description(code: number): string | undefined;
  /**
   * The info object for `code`, like Python's `HTTPStatus(code)`.
   *
   * @throws RangeError (named `ValueError`, message
   *   `"<code> is not a valid HTTPStatus"`) when the code is not known.
   */
  from(code: number): HTTPStatusInfo;
  /** The info object for `code`, or `undefined` when it is not known. */
  get(code: number): HTTPStatusInfo | undefined;
  /** True when `code` is a known status code; narrows it to {@link HTTPStatus}. */
  has(code: number): code is HTTPStatus;
  /**
   * Every status once, in ascending order of code, like iterating Python's
   * `HTTPStatus` (old aliases are not repeated).
   */
  members(): readonly HTTPStatusInfo[];
  /**
   * Every `[name, code]` pair including the old aliases, like Python's
   * `HTTPStatus.__members__.items()`.
   */
  entries(): ReadonlyArray<readonly [HTTPStatusAnyName, HTTPStatus]>;
}

/** Highest code the tables have room for. */
const MAX_CODE = 599;

/** Info objects indexed by code (holes where a code is unknown). */
const byCode: Array<HTTPStatusInfo | undefined> = new Array<HTTPStatusInfo | undefined>(MAX_CODE + 1).fill(
  undefined,
);
/** Info objects in ascending order of code. */
const ordered: HTTPStatusInfo[] = [];
/** Member values by name, canonical and alias. */
const memberValues: Record<string, number> = {};
/** `[name, code]` pairs in table order, aliases after the canonical names. */
const allEntries: Array<readonly [HTTPStatusAnyName, HTTPStatus]> = [];

/** Shared methods of every info object. */
const infoPrototype = {
  valueOf(this: HTTPStatusInfo): number {
    return this.value;
  },
  toString(this: HTTPStatusInfo): string {
    return String(this.value);
  },
};

for (const name of Object.keys(STATUS_TABLE) as HTTPStatusName[]) {
  const [value, phrase, description] = STATUS_TABLE[name];
  const info = Object.freeze(
    Object.assign(Object.create(infoPrototype) as HTTPStatusInfo, {
      value,
      name,
      phrase,
      description,
      isInformational: value >= 100 && value <= 199,
      isSuccess: value >= 200 && value <= 299,
      isRedirection: value >= 300 && value <= 399,
      isClientError: value >= 400 && value <= 499,
      isServerError: value >= 500 && value <= 599,
    }),
  );
  byCode[value] = info;
  memberValues[name] = value;
  allEntries.push(Object.freeze([name, value] as const));
}
for (const alias of Object.keys(ALIAS_TABLE) as Array<keyof AliasTable>) {
  const value = STATUS_TABLE[ALIAS_TABLE[alias]][0];
  memberValues[alias] = value;
  allEntries.push(Object.freeze([alias, value] as const));
}
for (const info of byCode) {
  if (info !== undefined) ordered.push(info);
}
Object.freeze(ordered);
Object.freeze(allEntries);

/** The info object for `code`, or undefined; safe for any number. */
function lookup(code: number): HTTPStatusInfo | undefined {
  // Non-integers, negatives and out-of-range numbers all read a hole or
  // nothing: array indexing never reaches the prototype for these.
  return Number.isInteger(code) ? byCode[code] : undefined;
}

/**
 * Python's `http.HTTPStatus`: a frozen object whose members are the plain
 * status numbers (`HTTPStatus.NOT_FOUND === 404`), including Python's old
 * alias names (`HTTPStatus.REQUEST_URI_TOO_LONG === 414`), with lookups
 * ({@link HTTPStatusNamespace.phrase}, {@link HTTPStatusNamespace.description},
 * {@link HTTPStatusNamespace.from}, {@link HTTPStatusNamespace.members}).
 */
export const HTTPStatus: HTTPStatusNamespace = Object.freeze({
  ...(memberValues as unknown as HTTPStatusMembers & HTTPStatusAliases),
  phrase(code: number): string | undefined {
    return lookup(code)?.phrase;
  },
  description(code: number): string | undefined {
    return lookup(code)?.description;
  },
  from(code: number): HTTPStatusInfo {
    const info = lookup(code);
    if (info === undefined) {
      const error = new RangeError(`${String(code)} is not a valid HTTPStatus`);
      error.name = "ValueError";
      throw error;
    }
    return info;
  },
  get(code: number): HTTPStatusInfo | undefined {
    return lookup(code);
  },
  has(code: number): code is HTTPStatus {
    return lookup(code) !== undefined;
  },
  members(): readonly HTTPStatusInfo[] {
    return ordered;
  },
  entries(): ReadonlyArray<readonly [HTTPStatusAnyName, HTTPStatus]> {
    return allEntries;
  },
});

/** A `[phrase, description]` pair, as stored in {@link responses}. */
export type StatusResponse = readonly [phrase: string, description: string];

/**
 * Code -> `[phrase, description]` for every known status: what
 * `BaseHTTPRequestHandler.responses` holds by default. Frozen; to add or
 * change entries, give a handler subclass its own object, for example
 * `{ ...responses, 299: ["Custom", "A custom status"] }`.
 */
export const responses: Readonly<Record<number, StatusResponse>> = Object.freeze(
  Object.fromEntries(
    ordered.map((info) => [info.value, Object.freeze([info.phrase, info.description] as const)]),
  ),
);
