// net/http/pprof's pages over HTTP/1.0 and HTTP/1.1, served on gocxx's own net
// package: one goroutine per connection, parked on the poller while it waits.
//
// The HTTP/1 parser is hand-written, small and strict (docs/decisions.md, D37).
// Debian offers no small HTTP/1 parser library that fits a server whose sockets
// are gocxx::net::Conn: libmicrohttpd, civetweb and cpp-httplib are whole servers
// with their own sockets and threads, which would block the scheduler's threads
// instead of parking goroutines; node-llhttp ships llhttp's JavaScript sources,
// not a C library; libhttp-parser-dev is nodejs/http-parser, archived upstream.
// And every gocxx program would carry the dependency. A server of a few GET pages
// needs little of HTTP: the request line, headers within fixed limits, and
// Connection, Host and Content-Length. Anything else is refused with a 4xx or 5xx
// status and the connection is closed; nothing a client sends can make the
// server crash, allocate without bound, or hold a goroutine past a deadline.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <exception>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gocxx/errors.hpp"
#include "gocxx/io.hpp"
#include "gocxx/net.hpp"
#include "gocxx/pprof.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/time.hpp"
#include "serve_internal.hpp"

namespace gocxx::pprof {

namespace serve_internal {
namespace {

// Nanoseconds; atomics so that a test may change them while connections run.
std::atomic<std::int64_t> header_ns{Timeouts().header.count()};
std::atomic<std::int64_t> idle_ns{Timeouts().idle.count()};
std::atomic<std::int64_t> write_ns{Timeouts().write.count()};
std::atomic<std::int64_t> linger_ns{Timeouts().linger.count()};

}  // namespace

Timeouts timeouts() {
  Timeouts t;
  t.header = std::chrono::nanoseconds(header_ns.load(std::memory_order_relaxed));
  t.idle = std::chrono::nanoseconds(idle_ns.load(std::memory_order_relaxed));
  t.write = std::chrono::nanoseconds(write_ns.load(std::memory_order_relaxed));
  t.linger = std::chrono::nanoseconds(linger_ns.load(std::memory_order_relaxed));
  return t;
}

void set_timeouts(const Timeouts& t) {
  header_ns.store(t.header.count(), std::memory_order_relaxed);
  idle_ns.store(t.idle.count(), std::memory_order_relaxed);
  write_ns.store(t.write.count(), std::memory_order_relaxed);
  linger_ns.store(t.linger.count(), std::memory_order_relaxed);
}

}  // namespace serve_internal

namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMaxHeaderBytes = 16 << 10;  // request line + headers + CRLF CRLF
constexpr int kMaxHeaders = 100;
constexpr std::uint64_t kMaxDiscardedBody = 64 << 10;
constexpr std::size_t kMaxLingerBytes = 256 << 10;
constexpr std::size_t kReadChunk = 4096;

net::Deadline after(std::chrono::nanoseconds d) {
  return time::add(time::now(), d);
}

// ---- Lexical helpers (ASCII only: the locale must not change what parses) ----

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// RFC 9110's tchar: the characters of a method or a header name.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoding (and, in a query, '+' as a space); nullopt for a malformed escape.
std::optional<std::string> unescape(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Go's strconv.ParseInt(s, 10, 64): an optional sign, then decimal digits.
std::optional<std::int64_t> parse_int(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    int d = c - '0';
    if (v > (INT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return negative ? -v : v;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// A profile name as a relative URL path: unreserved bytes and '/' as they are,
// the rest %XX, so that the server's own decoding gives the name back.
std::string path_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
                 c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) {
      out.push_back(c);
    } else {
      auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

// A header value cannot carry a custom profile's arbitrary name as it is.
std::string header_safe(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool ok = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    out.push_back(ok ? c : '_');
  }
  return out;
}

// RFC 9110's IMF-fixdate, spelled without strftime, whose names follow the locale.
std::string http_date() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  if (gmtime_r(&now, &tm) == nullptr || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
      tm.tm_mon > 11) {
    return "Thu, 01 Jan 1970 00:00:00 GMT";
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 301:
      return "Moved Permanently";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Request Entity Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

// ---- Requests and responses ----

struct Request {
  bool head = false;  // HEAD: the response without its body
  int minor = 1;      // HTTP/1.<minor>, answered in kind
  bool close = false;
  std::uint64_t content_length = 0;
  std::string path;                                        // decoded
  std::string raw_query;                                   // as sent, for a redirect
  std::vector<std::pair<std::string, std::string>> query;  // decoded

  // The first value of the query parameter key (Go's FormValue), if any.
  std::optional<std::string> param(std::string_view key) const {
    for (const auto& [k, v] : query) {
      if (k == key) return v;
    }
    return std::nullopt;
  }
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string attachment;  // Content-Disposition's filename, if it is one
  std::string extra_headers;
  std::string body;
};

Response text_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// A request the server answers with an error and a close.
struct Refusal {
  explicit Refusal(int status = 400, std::string detail = "", int minor = 1,
                   std::string extra_headers = "")
      : status(status),
        detail(std::move(detail)),
        minor(minor),
        extra_headers(std::move(extra_headers)) {}

  int status;
  std::string detail;
  int minor;  // the request's version, once known
  std::string extra_headers;
};

Response refusal_response(const Refusal& r) {
  Response resp = text_response(
      r.status, std::to_string(r.status) + " " + reason(r.status) + ": " + r.detail + "\n");
  resp.extra_headers = r.extra_headers;
  return resp;
}

// The request line and headers (without the final CRLF CRLF), which the reader
// has already checked for NUL, bare CR and bare LF. Returns the refusal instead
// when the request is malformed or asks for what this server does not do.
std::optional<Refusal> parse_head(std::string_view head, Request* req) {
  std::size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  std::string_view rest = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);

  std::size_t sp1 = line.find(' ');
  std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return Refusal{400, "malformed request line"};
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method) || target.empty()) return Refusal{400, "malformed request line"};
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !is_digit(version[5]) ||
      version[6] != '.' || !is_digit(version[7])) {
    return Refusal{400, "malformed HTTP version"};
  }
  // A higher 1.x is served as the highest 1.x there is (RFC 9110, 2.5).
  if (version[5] != '1') return Refusal{505, "unsupported HTTP version"};
  req->minor = version[7] == '0' ? 0 : 1;
  Refusal bad{400, "", req->minor};

  int count = 0;
  int hosts = 0;
  bool chunked_or_other = false;
  std::optional<std::uint64_t> length;
  while (!rest.empty()) {
    eol = rest.find("\r\n");
    std::string_view field = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
    if (++count > kMaxHeaders) return Refusal{431, "too many header fields", req->minor};
    if (field.empty() || field.front() == ' ' || field.front() == '\t') {
      bad.detail = "obsolete line folding";
      return bad;
    }
    std::size_t colon = field.find(':');
    if (colon == std::string_view::npos || !is_token(field.substr(0, colon))) {
      bad.detail = "malformed header field";
      return bad;
    }
    std::string_view name = field.substr(0, colon);
    std::string_view value = trim_ows(field.substr(colon + 1));
    for (char c : value) {
      auto b = static_cast<unsigned char>(c);
      if ((b < 0x20 && c != '\t') || b == 0x7f) {
        bad.detail = "control character in header field";
        return bad;
      }
    }
    if (iequals(name, "host")) {
      ++hosts;
    } else if (iequals(name, "connection")) {
      while (!value.empty()) {
        std::size_t comma = value.find(',');
        if (iequals(trim_ows(value.substr(0, comma)), "close")) req->close = true;
        value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
      }
    } else if (iequals(name, "content-length")) {
      std::optional<std::int64_t> n;
      if (!value.empty() && value.size() <= 18 && value[0] != '+' && value[0] != '-') {
        n = parse_int(value);
      }
      if (!n || (length && *length != static_cast<std::uint64_t>(*n))) {
        bad.detail = "invalid Content-Length";
        return bad;
      }
      length = static_cast<std::uint64_t>(*n);
    } else if (iequals(name, "transfer-encoding")) {
      chunked_or_other = true;
    }
  }
  if (chunked_or_other) {
    if (length) {
      bad.detail = "both Transfer-Encoding and Content-Length";
      return bad;
    }
    return Refusal{501, "Transfer-Encoding is not supported", req->minor};
  }
  if (hosts > 1 || (hosts == 0 && req->minor == 1)) {
    bad.detail = hosts > 1 ? "more than one Host header" : "missing required Host header";
    return bad;
  }
  req->content_length = length.value_or(0);

  // Origin form, or the absolute form a proxy would send.
  if (target.front() != '/') {
    std::size_t scheme_end = target.find("://");
    std::string_view scheme = target.substr(0, scheme_end);
    if (scheme_end == std::string_view::npos ||
        !(iequals(scheme, "http") || iequals(scheme, "https"))) {
      bad.detail = "malformed request target";
      return bad;
    }
    std::size_t slash = target.find('/', scheme_end + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  for (char c : target) {
    auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7f) {
      bad.detail = "invalid character in request target";
      return bad;
    }
  }
  target = target.substr(0, target.find('#'));
  std::size_t question = target.find('?');
  std::optional<std::string> path = unescape(target.substr(0, question), false);
  if (!path || path->find('\0') != std::string::npos) {
    bad.detail = "invalid URL escape in path";
    return bad;
  }
  req->path = std::move(*path);
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    req->raw_query = std::string(query);
    while (!query.empty()) {
      std::size_t amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (pair.empty()) continue;
      std::size_t eq = pair.find('=');
      std::optional<std::string> key = unescape(pair.substr(0, eq), true);
      std::optional<std::string> value =
          unescape(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
      if (!key || !value) {
        bad.detail = "invalid URL escape in query";
        return bad;
      }
      req->query.emplace_back(std::move(*key), std::move(*value));
    }
  }

  if (method == "HEAD") {
    req->head = true;
  } else if (method != "GET") {
    return Refusal{405, "only GET and HEAD are served", req->minor, "Allow: GET, HEAD\r\n"};
  }
  return std::nullopt;
}

// ---- Handlers ----

constexpr std::string_view kPrefix = "/debug/pprof/";

struct IndexEntry {
  std::string name;
  std::string count;  // empty for the CPU profile, which is not a count
  std::string href;
};

const char* describe(std::string_view name) {
  if (name == "block") {
    return "Where goroutines waited for channels, select, mutexes, conditions and wait groups, "
           "and for how long (on with runtime::set_block_profile_rate).";
  }
  if (name == "goroutine") return "The stack of every goroutine that exists now.";
  if (name == "goroutineleak") {
    return "Goroutines parked on channels that nothing able to run can reach: they can never "
           "be woken.";
  }
  if (name == "mutex") {
    return "The unlocks of contended mutexes, charged with the delay of the goroutines that "
           "waited (on with runtime::set_mutex_profile_fraction).";
  }
  if (name == "profile") {
    return "A CPU profile over ?seconds=N (30 by default). It downloads as a file for "
           "go tool pprof.";
  }
  if (name == "threadcreate") return "One entry per OS thread the runtime has started.";
  return nullptr;
}

Response index_page() {
  std::vector<IndexEntry> entries;
  for (Profile* p : profiles()) {
    std::string name = p->name();
    entries.push_back({name, std::to_string(p->count()), path_escape(name) + "?debug=1"});
  }
  IndexEntry cpu{"profile", "", "profile"};
  auto at = entries.begin();
  while (at != entries.end() && at->name < cpu.name) ++at;
  entries.insert(at, cpu);

  std::string html =
      "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>/debug/pprof/</title>\n"
      "<style>\nbody { font-family: sans-serif; }\ntd { padding-right: 1.5em; }\n</style>\n"
      "</head>\n<body>\n<h1>/debug/pprof/</h1>\n"
      "<p>The profiles of this process. Each link below shows the text form "
      "(<code>?debug=1</code>); without <code>debug</code>, a profile downloads as gzipped "
      "profile.proto, the file <code>go tool pprof</code> reads.</p>\n"
      "<table>\n<thead><tr><th>Count</th><th>Profile</th></tr></thead>\n<tbody>\n";
  for (const IndexEntry& e : entries) {
    html += "<tr><td>" + e.count + "</td><td><a href='" + html_escape(e.href) + "'>" +
            html_escape(e.name) + "</a></td></tr>\n";
  }
  html +=
      "</tbody>\n</table>\n"
      "<p><a href=\"goroutine?debug=2\">full goroutine stack dump</a></p>\n"
      "<h2>What they hold</h2>\n<dl>\n";
  for (const IndexEntry& e : entries) {
    if (const char* d = describe(e.name)) {
      html += "<dt>" + html_escape(e.name) + "</dt><dd>" + d + "</dd>\n";
    }
  }
  html += "</dl>\n</body>\n</html>\n";
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(html);
  return r;
}

Response named_profile(const Profile* p, const std::string& name, const Request& req) {
  int debug = 0;
  if (std::optional<std::string> value = req.param("debug")) {
    std::optional<std::int64_t> n = parse_int(*value);
    if (!n || *n < 0 || *n > INT_MAX) {
      return text_response(
          400, "debug: want a non-negative integer, got \"" + header_safe(*value) + "\"\n");
    }
    debug = static_cast<int>(*n);
  }
  std::ostringstream out;
  if (Error err = p->write_to(out, debug)) {
    return text_response(500, "Could not write profile: " + err.message() + "\n");
  }
  Response r;
  r.body = std::move(out).str();
  if (debug == 0) {
    r.content_type = "application/octet-stream";
    r.attachment = name;
  }
  return r;
}

// Stops the profile however the handler leaves, since the stream it writes to is
// the handler's.
struct CpuProfileGuard {
  ~CpuProfileGuard() {
    if (running) stop_cpu_profile();
  }
  bool running = false;
};

Response cpu_profile(const Request& req) {
  std::int64_t seconds = 30;
  if (std::optional<std::string> value = req.param("seconds")) {
    std::optional<std::int64_t> n = parse_int(*value);
    if (!n || *n <= 0) {
      return text_response(
          400, "seconds: want a positive integer, got \"" + header_safe(*value) + "\"\n");
    }
    seconds = *n;
  }
  std::ostringstream out;
  CpuProfileGuard guard;
  if (Error err = start_cpu_profile(out)) {
    return text_response(500, "Could not enable CPU profiling: " + err.message() + "\n");
  }
  guard.running = true;
  time::sleep(std::chrono::seconds(seconds));
  guard.running = false;
  stop_cpu_profile();
  Response r;
  r.content_type = "application/octet-stream";
  r.attachment = "profile";
  r.body = std::move(out).str();
  return r;
}

Response route(const Request& req) {
  if (req.path == "/debug/pprof") {
    // Go's ServeMux sends a subtree's name without its slash to the subtree.
    std::string location = std::string(kPrefix);
    if (!req.raw_query.empty()) location += "?" + req.raw_query;
    Response r;
    r.status = 301;
    r.content_type = "text/html; charset=utf-8";
    r.extra_headers = "Location: " + location + "\r\n";
    r.body = "<a href=\"" + html_escape(location) + "\">Moved Permanently</a>.\n\n";
    return r;
  }
  if (req.path.compare(0, kPrefix.size(), kPrefix) != 0) {
    return text_response(404, "404 page not found\n");
  }
  std::string name = req.path.substr(kPrefix.size());
  if (name.empty()) return index_page();
  if (name == "profile") return cpu_profile(req);
  if (const Profile* p = lookup(name)) return named_profile(p, name, req);
  return text_response(404, "Unknown profile\n");
}

// ---- Connections ----

class Connection {
 public:
  explicit Connection(net::Conn c) : c_(std::move(c)) {}

  void serve() {
    for (bool first = true;; first = false) {
      std::size_t end = 0;
      Refusal refusal;
      switch (read_head(first, &end, &refusal)) {
        case Head::gone:
          c_.close();
          return;
        case Head::refused:
          refuse(refusal);
          return;
        case Head::complete:
          break;
      }
      Request req;
      std::optional<Refusal> bad = parse_head(std::string_view(buf_).substr(0, end - 4), &req);
      buf_.erase(0, end);
      if (bad) {
        refuse(*bad);
        return;
      }
      if (req.content_length > kMaxDiscardedBody) {
        refuse(Refusal{413, "a GET needs no body", req.minor});
        return;
      }
      if (!discard_body(req.content_length)) {
        c_.close();
        return;
      }
      Response resp;
      try {
        resp = route(req);
      } catch (const std::exception& e) {
        resp = text_response(500, std::string("internal error: ") + e.what() + "\n");
        req.close = true;
      }
      bool close = req.close || req.minor == 0;
      if (!write(resp, req.minor, req.head, close)) {
        c_.close();
        return;
      }
      if (close) {
        close_lingering();
        return;
      }
    }
  }

  void abandon() { c_.close(); }

 private:
  enum class Head { complete, gone, refused };

  // Reads until buf_ starts with a whole request head, and sets *end past its
  // CRLF CRLF. Bytes are checked as they come, so that a NUL or a stray CR or LF
  // is refused at once rather than after the limit or the deadline.
  Head read_head(bool first, std::size_t* end, Refusal* refusal) {
    serve_internal::Timeouts t = serve_internal::timeouts();
    bool started = first || !buf_.empty();
    c_.set_read_deadline(after(started ? t.header : t.idle));
    std::size_t scanned = 0;
    for (;;) {
      // Empty lines before a request line are ignored (RFC 9112, 2.2).
      while (scanned == 0 && buf_.size() >= 2 && buf_[0] == '\r' && buf_[1] == '\n') {
        buf_.erase(0, 2);
      }
      for (; scanned < buf_.size(); ++scanned) {
        char c = buf_[scanned];
        if (c == '\0') {
          *refusal = Refusal{400, "NUL byte in request"};
          return Head::refused;
        }
        bool after_cr = scanned > 0 && buf_[scanned - 1] == '\r';
        if (c == '\n' && !after_cr) {
          *refusal = Refusal{400, "line not terminated by CRLF"};
          return Head::refused;
        }
        if (c != '\n' && after_cr) {
          *refusal = Refusal{400, "bare CR in request"};
          return Head::refused;
        }
        if (c == '\n' && scanned >= 3 && buf_.compare(scanned - 3, 4, "\r\n\r\n") == 0) {
          *end = scanned + 1;
          if (*end > kMaxHeaderBytes) break;
          return Head::complete;
        }
      }
      if (buf_.size() >= kMaxHeaderBytes) {
        *refusal = Refusal{431, "request line and headers exceed 16 KiB"};
        return Head::refused;
      }
      char chunk[kReadChunk];
      io::Result r = c_.read(std::span<char>(chunk, sizeof chunk));
      if (r.n > 0) {
        buf_.append(chunk, r.n);
        if (!started) {
          started = true;
          c_.set_read_deadline(after(t.header));
        }
      }
      // EOF, a reset or a deadline: nobody is waiting for an answer (Go's server
      // closes silently too).
      if (r.err) return Head::gone;
    }
  }

  bool discard_body(std::uint64_t n) {
    std::uint64_t from_buf = std::min<std::uint64_t>(n, buf_.size());
    buf_.erase(0, static_cast<std::size_t>(from_buf));
    n -= from_buf;
    if (n == 0) return true;
    c_.set_read_deadline(after(serve_internal::timeouts().header));
    char chunk[kReadChunk];
    while (n > 0) {
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(n, sizeof chunk));
      io::Result r = c_.read(std::span<char>(chunk, want));
      n -= r.n;
      if (r.err) return false;
    }
    return true;
  }

  bool write(const Response& resp, int minor, bool head, bool close) {
    std::string out = minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(resp.status);
    out += ' ';
    out += reason(resp.status);
    out += "\r\nDate: " + http_date();
    out += "\r\nContent-Type: " + resp.content_type;
    out += "\r\nX-Content-Type-Options: nosniff";
    if (!resp.attachment.empty()) {
      out +=
          "\r\nContent-Disposition: attachment; filename=\"" + header_safe(resp.attachment) + "\"";
    }
    out += "\r\nContent-Length: " + std::to_string(resp.body.size()) + "\r\n";
    out += resp.extra_headers;
    if (close) out += "Connection: close\r\n";
    out += "\r\n";
    if (!head) out += resp.body;
    c_.set_write_deadline(after(serve_internal::timeouts().write));
    return !c_.write(out).err;
  }

  void refuse(const Refusal& r) {
    if (write(refusal_response(r), r.minor, false, true)) {
      close_lingering();
    } else {
      c_.close();
    }
  }

  // Go's closeWriteAndWait, bounded: the client reads the response to its end
  // before anything it sent after it, left unread, makes the kernel reset the
  // connection.
  void close_lingering() {
    c_.close_write();
    c_.set_read_deadline(after(serve_internal::timeouts().linger));
    char chunk[kReadChunk];
    for (std::size_t drained = 0; drained < kMaxLingerBytes;) {
      io::Result r = c_.read(std::span<char>(chunk, sizeof chunk));
      drained += r.n;
      if (r.err) break;
    }
    c_.close();
  }

  net::Conn c_;
  std::string buf_;  // read and not yet consumed: the head, then what follows it
};

void serve_conn(net::Conn c) {
  Connection conn(std::move(c));
  try {
    conn.serve();
  } catch (const std::exception&) {
    // Out of memory, most likely: this connection gives up, the server goes on.
    conn.abandon();
  }
}

// Go's http.Serve retries an accept that failed for want of a resource (a
// temporary net.Error), and so does this.
bool temporary(const Error& err) {
  int e = net::errno_of(err);
  return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM || net::is_timeout(err);
}

}  // namespace

Error serve(net::Listener ln) {
  std::chrono::milliseconds delay{0};
  for (;;) {
    auto [c, err] = ln.accept();
    if (err) {
      if (!errors::is(err, net::err_closed) && temporary(err)) {
        delay = delay.count() == 0 ? 5ms : std::min<std::chrono::milliseconds>(delay * 2, 1s);
        time::sleep(delay);
        continue;
      }
      ln.close();
      return err;
    }
    delay = 0ms;
    go(serve_conn, std::move(c));
  }
}

Error serve(std::string_view address) {
  auto [ln, err] = net::listen("tcp", address);
  if (err) return err;
  return serve(ln);
}

}  // namespace gocxx::pprof
