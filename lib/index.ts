/**
 * `http.server`: a port of Python's `http.server` (and, through
 * `http.server/socketserver`, of `socketserver`) for Node.js.
 *
 * @module
 */
export * from "./socketserver/index.js";
export { HTTPStatus, responses } from "./http/status.js";
export type {
  HTTPStatusAliases,
  HTTPStatusAnyName,
  HTTPStatusInfo,
  HTTPStatusMembers,
  HTTPStatusName,
  HTTPStatusNamespace,
  StatusResponse,
} from "./http/status.js";
export { HTTPMessage, parseHeaders, type HTTPMessageClass, type HeaderParamValue } from "./http/message.js";
export {
  BaseHTTPRequestHandler,
  DEFAULT_ERROR_CONTENT_TYPE,
  DEFAULT_ERROR_MESSAGE,
  HeaderInjectionError,
  type ConnectionRegistry,
  type MessageClassType,
} from "./http/server/base-handler.js";
export {
  HTTPServer,
  HTTPSServer,
  ThreadingHTTPServer,
  ThreadingHTTPSServer,
  getfqdn,
  type HTTPSOptions,
} from "./http/server/http-server.js";
export {
  SimpleHTTPRequestHandler,
  type SimpleHandlerOptions,
} from "./http/server/files/simple-handler.js";
export { CGIHTTPRequestHandler } from "./http/server/cgi/cgi-handler.js";
export { nobodyUid } from "./http/server/cgi/nobody.js";
export { IndexError, urlCollapsePath } from "./http/server/cgi/url-collapse.js";
export { BytesSource, ChainSource, FileSource, type BodySource } from "./http/server/files/body-sources.js";
export { FileCache } from "./http/server/files/file-cache.js";
export { sharedFileCache } from "./http/caches.js";
export { guessType, addType, lookupType, DEFAULT_EXTENSIONS_MAP } from "./http/server/files/mimetypes.js";
export { pyFormat, KeyError, OverflowError, ValueError } from "./py/format.js";
export {
  parseForm,
  FormError,
  ParsedForm,
  type FormOptions,
  type FormSource,
  type UploadedFile,
} from "./http/server/forms.js";
export {
  handleRawRequest,
  parseResponses,
  type ParsedResponse,
  type RawExchange,
  type RawRequestOptions,
  type ParseResponsesOptions,
  type TestableHandler,
} from "./http/server/testing.js";
export {
  toRequestListener,
  type HandlerRequestListener,
  type NodeRequest,
  type NodeResponse,
  type RequestListenerOptions,
} from "./http/server/adapters/request-listener.js";
export { toStreamListener, type HandlerStreamListener, type StreamListenerOptions } from "./http/server/adapters/stream-listener.js";
export {
  toFetchHandler,
  type FetchClientAddress,
  type FetchHandler,
  type FetchHandlerOptions,
  type HostAddress,
} from "./http/server/adapters/fetch-handler.js";
export type { AdapterOptions, HandlerClass } from "./http/server/adapters/exchange.js";
export { MalformedResponseError } from "./http/server/adapters/response-reader.js";

import "./python-spelling.js";

/** The version of Python's `http.server` this package follows (`__version__`). */
export const __version__ = "0.6";
