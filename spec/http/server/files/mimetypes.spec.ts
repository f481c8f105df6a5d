import { expect } from "chai";
import fc from "fast-check";

import {
  DEFAULT_EXTENSIONS_MAP,
  ENCODINGS_MAP,
  SUFFIX_MAP,
  addType,
  guessFileType,
  guessType,
  lookupType,
  typesMap,
} from "../../../../lib/http/server/files/mimetypes.js";

/** Section 7.7 of the reference, written out independently of the module. */
const BUILTIN_37: Record<string, string> = {
  ".js": "text/javascript", ".mjs": "text/javascript",
  ".epub": "application/epub+zip", ".gz": "application/gzip",
  ".json": "application/json", ".webmanifest": "application/manifest+json",
  ".doc": "application/msword", ".dot": "application/msword", ".wiz": "application/msword",
  ".nq": "application/n-quads", ".nt": "application/n-triples",
  ".bin": "application/octet-stream", ".a": "application/octet-stream",
  ".dll": "application/octet-stream", ".exe": "application/octet-stream",
  ".o": "application/octet-stream", ".obj": "application/octet-stream",
  ".so": "application/octet-stream",
  ".oda": "application/oda", ".ogx": "application/ogg", ".pdf": "application/pdf",
  ".p7c": "application/pkcs7-mime",
  ".ps": "application/postscript", ".ai": "application/postscript", ".eps": "application/postscript",
  ".trig": "application/trig",
  ".m3u": "application/vnd.apple.mpegurl", ".m3u8": "application/vnd.apple.mpegurl",
  ".xls": "application/vnd.ms-excel", ".xlb": "application/vnd.ms-excel",
  ".eot": "application/vnd.ms-fontobject",
  ".ppt": "application/vnd.ms-powerpoint", ".pot": "application/vnd.ms-powerpoint",
  ".ppa": "application/vnd.ms-powerpoint", ".pps": "application/vnd.ms-powerpoint",
  ".pwz": "application/vnd.ms-powerpoint",
  ".odg": "application/vnd.oasis.opendocument.graphics",
  ".odp": "application/vnd.oasis.opendocument.presentation",
  ".ods": "application/vnd.oasis.opendocument.spreadsheet",
  ".odt": "application/vnd.oasis.opendocument.text",
  ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".rar": "application/vnd.rar", ".wasm": "application/wasm",
  ".7z": "application/x-7z-compressed", ".bcpio": "application/x-bcpio",
  ".cpio": "application/x-cpio", ".csh": "application/x-csh",
  ".deb": "application/x-debian-package", ".dvi": "application/x-dvi",
  ".gtar": "application/x-gtar", ".hdf": "application/x-hdf", ".h5": "application/x-hdf5",
  ".latex": "application/x-latex", ".mif": "application/x-mif",
  ".cdf": "application/x-netcdf", ".nc": "application/x-netcdf",
  ".p12": "application/x-pkcs12", ".pfx": "application/x-pkcs12",
  ".php": "application/x-httpd-php", ".ram": "application/x-pn-realaudio",
  ".pyc": "application/x-python-code", ".pyo": "application/x-python-code",
  ".rpm": "application/x-rpm", ".sh": "application/x-sh", ".shar": "application/x-shar",
  ".swf": "application/x-shockwave-flash", ".sv4cpio": "application/x-sv4cpio",
  ".sv4crc": "application/x-sv4crc", ".tar": "application/x-tar", ".tcl": "application/x-tcl",
  ".tex": "application/x-tex", ".texi": "application/x-texinfo", ".texinfo": "application/x-texinfo",
  ".roff": "application/x-troff", ".t": "application/x-troff", ".tr": "application/x-troff",
  ".man": "application/x-troff-man", ".me": "application/x-troff-me", ".ms": "application/x-troff-ms",
  ".ustar": "application/x-ustar", ".src": "application/x-wais-source",
  ".xsl": "application/xml", ".rdf": "application/xml", ".wsdl": "application/xml",
  ".xpdl": "application/xml",
  ".yaml": "application/yaml", ".yml": "application/yaml", ".zip": "application/zip",
  ".3gp": "audio/3gpp", ".3gpp": "audio/3gpp", ".3g2": "audio/3gpp2", ".3gpp2": "audio/3gpp2",
  ".aac": "audio/aac", ".adts": "audio/aac", ".loas": "audio/aac", ".ass": "audio/aac",
  ".au": "audio/basic", ".snd": "audio/basic", ".flac": "audio/flac", ".mka": "audio/matroska",
  ".m4a": "audio/mp4", ".mp3": "audio/mpeg", ".mp2": "audio/mpeg", ".ogg": "audio/ogg",
  ".opus": "audio/opus",
  ".aif": "audio/x-aiff", ".aifc": "audio/x-aiff", ".aiff": "audio/x-aiff",
  ".ra": "audio/x-pn-realaudio", ".wav": "audio/vnd.wave", ".weba": "audio/webm",
  ".otf": "font/otf", ".ttf": "font/ttf", ".woff": "font/woff", ".woff2": "font/woff2",
  ".avif": "image/avif", ".bmp": "image/bmp", ".emf": "image/emf", ".fits": "image/fits",
  ".g3": "image/g3fax", ".gif": "image/gif", ".ief": "image/ief", ".jp2": "image/jp2",
  ".jpg": "image/jpeg", ".jpe": "image/jpeg", ".jpeg": "image/jpeg",
  ".jpm": "image/jpm", ".jpx": "image/jpx", ".heic": "image/heic", ".heif": "image/heif",
  ".png": "image/png", ".svg": "image/svg+xml", ".t38": "image/t38",
  ".tiff": "image/tiff", ".tif": "image/tiff", ".tfx": "image/tiff-fx",
  ".ico": "image/vnd.microsoft.icon", ".webp": "image/webp", ".wmf": "image/wmf",
  ".ras": "image/x-cmu-raster", ".pnm": "image/x-portable-anymap",
  ".pbm": "image/x-portable-bitmap", ".pgm": "image/x-portable-graymap",
  ".ppm": "image/x-portable-pixmap", ".rgb": "image/x-rgb", ".xbm": "image/x-xbitmap",
  ".xpm": "image/x-xpixmap", ".xwd": "image/x-xwindowdump",
  ".eml": "message/rfc822", ".mht": "message/rfc822", ".mhtml": "message/rfc822",
  ".nws": "message/rfc822",
  ".gltf": "model/gltf+json", ".glb": "model/gltf-binary", ".stl": "model/stl",
  ".css": "text/css", ".csv": "text/csv", ".html": "text/html", ".htm": "text/html",
  ".md": "text/markdown", ".markdown": "text/markdown", ".n3": "text/n3",
  ".txt": "text/plain", ".bat": "text/plain", ".c": "text/plain", ".h": "text/plain",
  ".ksh": "text/plain", ".pl": "text/plain", ".srt": "text/plain",
  ".rtx": "text/richtext", ".rtf": "text/rtf", ".tsv": "text/tab-separated-values",
  ".vtt": "text/vtt", ".py": "text/x-python", ".rst": "text/x-rst", ".etx": "text/x-setext",
  ".sgm": "text/x-sgml", ".sgml": "text/x-sgml", ".vcf": "text/x-vcard", ".xml": "text/xml",
  ".mkv": "video/matroska", ".mk3d": "video/matroska-3d", ".mp4": "video/mp4",
  ".mpeg": "video/mpeg", ".m1v": "video/mpeg", ".mpa": "video/mpeg", ".mpe": "video/mpeg",
  ".mpg": "video/mpeg", ".ogv": "video/ogg", ".mov": "video/quicktime", ".qt": "video/quicktime",
  ".webm": "video/webm", ".avi": "video/vnd.avi", ".m4v": "video/x-m4v",
  ".wmv": "video/x-ms-wmv", ".movie": "video/x-sgi-movie",
};

const MEDIA_TYPE = /^[^\s/]+\/[^\s/]+$/;

describe("http/server/mimetypes", () => {
  describe("guessType() reference vectors (section 7.6)", () => {
    const vectors: Array<[string, string]> = [
      ["a.tar.gz", "application/gzip"],
      ["a.tgz", "application/x-tar"],
      ["a.svgz", "image/svg+xml"],
      ["a.txt.br", "text/plain"],
      ["a.Z", "application/octet-stream"],
      ["a", "application/octet-stream"],
      ["/srv/www/README", "application/octet-stream"],
      ["index.html", "text/html"],
      ["app.js", "text/javascript"],
      ["mod.mjs", "text/javascript"],
      ["a.bz2", "application/x-bzip2"],
      ["a.xz", "application/x-xz"],
      ["a.tar.bz2", "application/x-bzip2"],
      ["a.tbz2", "application/x-tar"],
      ["a.txz", "application/x-tar"],
      ["a.taz", "application/x-tar"],
      ["a.tz", "application/x-tar"],
      ["a.xml", "text/xml"],
      ["a.wav", "audio/vnd.wave"],
      ["a.avi", "video/vnd.avi"],
      ["a.css.gz", "application/gzip"],
    ];
    for (const [path, type] of vectors) {
      it(`${path} -> ${type}`, () => {
        expect(guessType(path)).to.equal(type);
      });
    }
  });

  describe("splitting the extension (posixpath.splitext rules)", () => {
    const vectors: Array<[string, string]> = [
      [".bashrc", "application/octet-stream"],
      ["/home/u/.html", "application/octet-stream"],
      ["..html", "application/octet-stream"],
      ["dir/...html", "application/octet-stream"],
      ["a..html", "text/html"],
      ["a.", "application/octet-stream"],
      ["/srv/site.html/README", "application/octet-stream"],
      ["/srv/v1.2/notes.txt", "text/plain"],
      ["/srv/x.tgz/", "application/octet-stream"],
      ["", "application/octet-stream"],
      [".", "application/octet-stream"],
      ["/", "application/octet-stream"],
    ];
    for (const [path, type] of vectors) {
      it(`${JSON.stringify(path)} -> ${type}`, () => {
        expect(guessType(path)).to.equal(type);
      });
    }

    it("a trailing dot is the extension '.', which an extensions map can name", () => {
      expect(guessType("a.", { ".": "text/x-dot" })).to.equal("text/x-dot");
      expect(guessType(".", { ".": "text/x-dot" })).to.equal("application/octet-stream");
    });
  });

  describe("case handling", () => {
    it("type suffixes are case-insensitive", () => {
      expect(guessType("INDEX.HTML")).to.equal("text/html");
      expect(guessType("photo.JpEg")).to.equal("image/jpeg");
      expect(guessType("a.TXT.br")).to.equal("text/plain");
    });

    it("extensionsMap is tried exactly, then lower-cased", () => {
      expect(guessType("a.GZ")).to.equal("application/gzip");
      expect(guessType("a.BZ2")).to.equal("application/x-bzip2");
      // `.Z` is a key of its own; `.z` is neither a key nor an encoding.
      expect(guessType("a.Z")).to.equal("application/octet-stream");
      expect(guessType("a.z")).to.equal("application/octet-stream");
      expect(guessType("a.x", { ".X": "text/upper" })).to.equal("application/octet-stream");
      expect(guessType("a.X", { ".X": "text/upper" })).to.equal("text/upper");
      expect(guessType("a.X", { ".x": "text/lower" })).to.equal("text/lower");
    });

    it("the suffix map is case-insensitive", () => {
      expect(guessType("a.TGZ")).to.equal("application/x-tar");
      expect(guessType("a.SvGz")).to.equal("image/svg+xml");
      expect(guessType("a.TBZ2")).to.equal("application/x-tar");
    });

    it("encoding suffixes are case-sensitive", () => {
      expect(guessFileType("a.txt.gz")).to.deep.equal(["text/plain", "gzip"]);
      // `.GZ` is not an encoding, but the built-in table knows `.gz` as a type.
      expect(guessFileType("a.txt.GZ")).to.deep.equal(["application/gzip", undefined]);
      expect(guessFileType("a.txt.Z")).to.deep.equal(["text/plain", "compress"]);
      expect(guessFileType("a.txt.z")).to.deep.equal([undefined, undefined]);
      expect(guessType("a.txt.BR")).to.equal("application/octet-stream");
      expect(guessType("a.html.br")).to.equal("text/html");
    });
  });

  describe("suffix map and encodings (guessFileType)", () => {
    it("expands the abbreviation, then strips one encoding", () => {
      expect(guessFileType("a.tgz")).to.deep.equal(["application/x-tar", "gzip"]);
      expect(guessFileType("a.TAZ")).to.deep.equal(["application/x-tar", "gzip"]);
      expect(guessFileType("a.tbz2")).to.deep.equal(["application/x-tar", "bzip2"]);
      expect(guessFileType("a.txz")).to.deep.equal(["application/x-tar", "xz"]);
      expect(guessFileType("a.svgz")).to.deep.equal(["image/svg+xml", "gzip"]);
      expect(guessFileType("a.tar.gz")).to.deep.equal(["application/x-tar", "gzip"]);
    });

    it("only the last suffix is expanded and only one encoding is stripped", () => {
      expect(guessFileType("a.tgz.gz")).to.deep.equal([undefined, "gzip"]);
      expect(guessFileType("a.txt.gz.gz")).to.deep.equal(["application/gzip", "gzip"]);
      expect(guessFileType("a.b.tgz")).to.deep.equal(["application/x-tar", "gzip"]);
      expect(guessFileType("a.txt.tgz")).to.deep.equal(["application/x-tar", "gzip"]);
    });

    it("a bare encoding suffix gives an encoding but no type", () => {
      expect(guessFileType("a.gz")).to.deep.equal([undefined, "gzip"]);
      expect(guessFileType("a.Z")).to.deep.equal([undefined, "compress"]);
      expect(guessFileType("a.br")).to.deep.equal([undefined, "br"]);
    });

    it("expanded suffixes are split from the whole path, directories included", () => {
      expect(guessFileType("/d.x/.tgz")).to.deep.equal([undefined, undefined]);
      expect(guessFileType("/d.x/a.tgz")).to.deep.equal(["application/x-tar", "gzip"]);
    });

    it("does not treat a scheme-like prefix as a URL (3.13+ guess_file_type)", () => {
      expect(guessFileType("data:text/html,<p>")).to.deep.equal([undefined, undefined]);
      expect(guessType("data:image/png,x.txt")).to.equal("text/plain");
    });

    it("exports Python's suffix and encoding tables, frozen", () => {
      expect(SUFFIX_MAP).to.deep.equal({
        ".svgz": ".svg.gz", ".tgz": ".tar.gz", ".taz": ".tar.gz", ".tz": ".tar.gz",
        ".tbz2": ".tar.bz2", ".txz": ".tar.xz",
      });
      expect(ENCODINGS_MAP).to.deep.equal({
        ".gz": "gzip", ".Z": "compress", ".bz2": "bzip2", ".xz": "xz", ".br": "br",
      });
      expect(Object.isFrozen(SUFFIX_MAP)).to.equal(true);
      expect(Object.isFrozen(ENCODINGS_MAP)).to.equal(true);
    });
  });

  describe("extensionsMap", () => {
    it("DEFAULT_EXTENSIONS_MAP is Python's default, frozen", () => {
      expect(DEFAULT_EXTENSIONS_MAP).to.deep.equal({
        ".gz": "application/gzip",
        ".Z": "application/octet-stream",
        ".bz2": "application/x-bzip2",
        ".xz": "application/x-xz",
      });
      expect(Object.isFrozen(DEFAULT_EXTENSIONS_MAP)).to.equal(true);
      expect(() => {
        (DEFAULT_EXTENSIONS_MAP as Record<string, string>)[".html"] = "text/plain";
      }).to.throw(TypeError);
    });

    it("overrides the database", () => {
      const map = { ...DEFAULT_EXTENSIONS_MAP, ".html": "text/plain", ".log": "text/plain" };
      expect(guessType("a.html", map)).to.equal("text/plain");
      expect(guessType("a.HTML", map)).to.equal("text/plain");
      expect(guessType("server.log", map)).to.equal("text/plain");
      expect(guessType("a.css", map)).to.equal("text/css");
    });

    it("an empty map leaves compressed files to the database", () => {
      expect(guessType("a.tar.gz", {})).to.equal("application/x-tar");
      expect(guessType("a.gz", {})).to.equal("application/octet-stream");
      expect(guessType("a.txt.bz2", {})).to.equal("text/plain");
    });

    it("is consulted with the extension of the full path, even an empty one", () => {
      expect(guessType("README", { "": "text/plain" })).to.equal("text/plain");
      expect(guessType(".bashrc", { "": "text/plain" })).to.equal("text/plain");
      expect(guessType("a.md", { "": "text/plain" })).to.equal("text/markdown");
    });

    it("returns the map's value as given, as Python does", () => {
      expect(guessType("a.weird", { ".weird": "text/plain; charset=utf-8" })).to.equal(
        "text/plain; charset=utf-8",
      );
    });

    it("ignores inherited Object.prototype members", () => {
      expect(guessType("a.constructor")).to.equal("application/octet-stream");
      expect(guessType("__proto__")).to.equal("application/octet-stream");
      expect(guessType("a.__proto__")).to.equal("application/octet-stream");
    });
  });

  describe("the database", () => {
    it("holds every built-in entry of section 7.7", () => {
      const mismatches: string[] = [];
      for (const [ext, type] of Object.entries(BUILTIN_37)) {
        if (lookupType(ext) !== type) mismatches.push(`${ext}: ${String(lookupType(ext))} != ${type}`);
        if (typesMap.get(ext) !== type) mismatches.push(`typesMap ${ext}`);
        if (guessType("file" + ext, {}) !== type && !(ext in ENCODINGS_MAP)) {
          mismatches.push(`guessType file${ext}`);
        }
      }
      expect(mismatches).to.deep.equal([]);
      expect(Object.keys(BUILTIN_37)).to.have.length(198);
    });

    it("lookupType tries the extension exactly, then lower-cased", () => {
      expect(lookupType(".html")).to.equal("text/html");
      expect(lookupType(".HTML")).to.equal("text/html");
      expect(lookupType("html")).to.equal(undefined);
      expect(lookupType(".no-such-extension")).to.equal(undefined);
      expect(lookupType("")).to.equal(undefined);
    });

    it("does not apply suffix or encoding rules in lookupType", () => {
      expect(lookupType(".tgz")).to.equal(undefined);
      expect(lookupType(".br")).to.equal(undefined);
    });

    it("fills gaps from mime-db", () => {
      expect(typesMap.size).to.be.greaterThan(1000);
      expect(guessType("a.log")).to.equal("text/plain");
      expect(guessType("a.ts")).to.equal("video/mp2t");
      expect(guessType("a.apk")).to.equal("application/vnd.android.package-archive");
    });

    it("picks among mime-db candidates by the documented rule", () => {
      // application/octet-stream only as a last resort
      expect(lookupType(".dmg")).to.equal("application/x-apple-diskimage");
      expect(lookupType(".iso")).to.equal("application/x-iso9660-image");
      expect(lookupType(".dump")).to.equal("application/octet-stream");
      // iana over apache
      expect(lookupType(".sql")).to.equal("application/sql");
      expect(lookupType(".x3dv")).to.equal("model/x3d-vrml");
      expect(lookupType(".jpgm")).to.equal("image/jpm");
      // iana over nginx
      expect(lookupType(".pdb")).to.equal("application/vnd.palm");
      // equal source: a non-application type first, then mime-db order
      expect(lookupType(".mpg4")).to.equal("video/mp4");
      expect(lookupType(".asc")).to.equal("application/pgp-keys");
    });

    it("keeps the built-in table ahead of mime-db", () => {
      expect(lookupType(".xml")).to.equal("text/xml");
      expect(lookupType(".rtf")).to.equal("text/rtf");
      expect(lookupType(".exe")).to.equal("application/octet-stream");
      expect(lookupType(".deb")).to.equal("application/x-debian-package");
    });
  });

  describe("addType()", () => {
    it("adds a new extension", () => {
      expect(guessType("a.zzunit1")).to.equal("application/octet-stream");
      addType("text/x-unit", ".zzunit1");
      expect(lookupType(".zzunit1")).to.equal("text/x-unit");
      expect(typesMap.get(".zzunit1")).to.equal("text/x-unit");
      expect(guessType("a.zzunit1")).to.equal("text/x-unit");
      expect(guessType("a.ZZUNIT1")).to.equal("text/x-unit");
      expect(guessType("a.zzunit1.gz", {})).to.equal("text/x-unit");
    });

    it("replaces an existing mapping", () => {
      addType("text/x-one", ".zzunit2");
      addType("text/x-two", ".zzunit2");
      expect(guessType("a.zzunit2")).to.equal("text/x-two");
    });

    it("stores the extension as given: mixed case matches exactly first", () => {
      addType("text/x-upper", ".ZZUNIT3");
      expect(guessType("a.ZZUNIT3")).to.equal("text/x-upper");
      expect(guessType("a.zzunit3")).to.equal("application/octet-stream");
    });

    it("ignores an empty type", () => {
      addType("", ".zzunit4");
      expect(lookupType(".zzunit4")).to.equal(undefined);
    });

    it("warns once about an extension without a dot", async () => {
      const warnings: Error[] = [];
      const onWarning = (w: Error): void => {
        warnings.push(w);
      };
      process.on("warning", onWarning);
      try {
        addType("text/x-undotted", "zzunit5");
        addType("text/x-undotted", "zzunit6");
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        process.off("warning", onWarning);
      }
      expect(warnings).to.have.length(1);
      expect(warnings[0]?.name).to.equal("DeprecationWarning");
      expect(lookupType("zzunit5")).to.equal("text/x-undotted");
      expect(guessType("zzunit5")).to.equal("application/octet-stream");
    });
  });

  describe("properties", () => {
    const pathChars = fc.constantFrom(".", "/", "a", "Z", "z", "g", "t", "x", "s", "v", "b", "r", "2", "G", "T");
    const pathish = fc.string({ unit: pathChars, maxLength: 24 });

    it("never throws and always returns type/subtype for arbitrary strings", () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: "binary" }), pathish), (path) => {
          const type = guessType(path);
          expect(type).to.match(MEDIA_TYPE);
          const [guess, encoding] = guessFileType(path);
          if (guess !== undefined) expect(guess).to.match(MEDIA_TYPE);
          if (encoding !== undefined) expect(Object.values(ENCODINGS_MAP)).to.include(encoding);
        }),
        { numRuns: 2000 },
      );
    });

    it("depends only on the last path component", () => {
      fc.assert(
        fc.property(
          fc.string({ unit: pathChars, maxLength: 12 }),
          fc.string({ unit: pathChars, maxLength: 12 }).filter((s) => !s.includes("/")),
          (dir, name) => {
            expect(guessType(`${dir}/${name}`)).to.equal(guessType(name));
          },
        ),
        { numRuns: 2000 },
      );
    });

    it("is case-insensitive for names without encoding or map suffixes", () => {
      const known = fc.constantFrom(...Object.keys(BUILTIN_37).filter((e) => !(e in ENCODINGS_MAP)));
      fc.assert(
        fc.property(fc.string({ unit: fc.constantFrom("a", "b", "_"), maxLength: 6 }), known, (stem, ext) => {
          expect(guessType(stem + "x" + ext.toUpperCase())).to.equal(BUILTIN_37[ext]);
        }),
      );
    });
  });
});
