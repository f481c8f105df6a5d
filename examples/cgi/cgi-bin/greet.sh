#!/bin/sh
# A CGI script: reads the url-encoded form that index.html posts
# (CONTENT_LENGTH bytes on standard input), decodes its `name` field and
# answers with an HTML greeting. POSIX sh, dd, awk and sed only.

body=$(dd bs=1 count="${CONTENT_LENGTH:-0}" 2>/dev/null)

# name=Ada+Lovelace%21 -> Ada Lovelace!
name=$(printf '%s' "$body" | LC_ALL=C awk '
BEGIN { RS = "&"; for (i = 1; i < 256; i++) byte[sprintf("%02x", i)] = sprintf("%c", i) }
{
    sub(/\n$/, "")
    eq = index($0, "=")
    if (eq == 0 || substr($0, 1, eq - 1) != "name") next
    rest = substr($0, eq + 1)
    gsub(/\+/, " ", rest)
    out = ""
    while ((p = index(rest, "%")) > 0) {
        hex = tolower(substr(rest, p + 1, 2))
        if (hex in byte) { out = out substr(rest, 1, p - 1) byte[hex]; rest = substr(rest, p + 3) }
        else { out = out substr(rest, 1, p); rest = substr(rest, p + 1) }
    }
    printf "%s", out rest
    exit
}')

# Never echo user input into HTML unescaped.
name=$(printf '%s' "$name" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g')
[ -n "$name" ] || name="stranger"

printf 'Content-Type: text/html; charset=utf-8\n\n'
printf '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Hello</title></head>\n'
printf '<body><p>Hello, %s!</p><p><a href="../">Again</a></p></body></html>\n' "$name"
