// pprof::serve: net/http/pprof's pages over HTTP/1.x on loopback, spoken to by
// raw sockets (so malformed requests can be sent as they are) and by the Go
// toolchain's own `go tool pprof`.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "pprof/serve_internal.hpp"
#include "runtime/sanitizers.hpp"
#include "subprocess.hpp"
#include "test_util.hpp"

using namespace gocxx;
using namespace std::chrono_literals;
using gocxx::testing::eventually;
using gocxx::testing::ProcessResult;
using gocxx::testing::run_process;
using gocxx::testing::run_with_procs;

namespace {

__attribute__((noinline)) void parked_in_serve_test(Chan<int> ch) {
  ch.recv();
  asm volatile("" ::: "memory");  // not a tail call: this frame stays on the stack
}

// Starts n goroutines parked in parked_in_serve_test and waits until every one
// shows parked there; closing the channel releases them.
Chan<int> park(int n) {
  auto ch = make_chan<int>();
  for (int i = 0; i < n; ++i) go(parked_in_serve_test, ch);
  EXPECT_TRUE(eventually([&] {
    std::string dump = runtime::stack(true);
    std::regex parked("\\[chan receive\\]:\n[^\n]*parked_in_serve_test");
    return std::distance(std::sregex_iterator(dump.begin(), dump.end(), parked),
                         std::sregex_iterator()) >= n;
  }));
  return ch;
}

// A custom profile with two entries, for an exact count on the index page.
pprof::Profile* two_entry_profile() {
  static pprof::Profile* p = [] {
    pprof::Profile* q = pprof::new_profile("serve_test.custom");
    static int a = 0;
    static int b = 0;
    q->add(&a);
    q->add(&b);
    return q;
  }();
  return p;
}

// A listener on a free loopback port and a goroutine serving it.
class TestServer {
 public:
  TestServer() {
    auto [ln, err] = net::listen("tcp", "127.0.0.1:0");
    EXPECT_FALSE(err) << err.message();
    ln_ = ln;
    go([ln = ln, done = done_] { done.send(pprof::serve(ln)); });
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::string addr() const { return ln_.addr().to_string(); }

  // Closes the listener: serve must return accept's err_closed.
  void stop() {
    ln_.close();
    std::optional<Error> err;
    ASSERT_TRUE(eventually([&] {
      if (auto v = done_.try_recv(); v && *v) err = **v;
      return err.has_value();
    }));
    EXPECT_TRUE(errors::is(*err, net::err_closed)) << err->message();
  }

 private:
  net::Listener ln_;
  Chan<Error> done_ = make_chan<Error>(1);
};

struct Reply {
  bool complete = false;  // status line, headers and the whole body arrived
  std::string status_line;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  Error err;  // why it stopped short

  std::string header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return "";
  }
  bool has_header(std::string_view name) const {
    for (const auto& h : headers) {
      if (h.first == name) return true;
    }
    return false;
  }
  int status() const {
    std::size_t sp = status_line.find(' ');
    if (sp == std::string::npos || status_line.size() < sp + 4) return 0;
    return std::atoi(status_line.substr(sp + 1, 3).c_str());
  }
};

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// Reads one response from c; *pending keeps what was read past it. head: the
// response to a HEAD, whose Content-Length announces a body that is not sent.
Reply read_reply(const net::Conn& c, std::string* pending, bool head = false) {
  Reply r;
  char buf[4096];
  std::size_t end = 0;
  while ((end = pending->find("\r\n\r\n")) == std::string::npos) {
    if (pending->size() > (1 << 20)) {
      r.err = errors::make("response head over 1 MiB");
      return r;
    }
    io::Result got = c.read(std::span<char>(buf, sizeof buf));
    pending->append(buf, got.n);
    if (got.err) {
      r.err = got.err;
      return r;
    }
  }
  std::string text = pending->substr(0, end);
  pending->erase(0, end + 4);
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  r.status_line = line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    r.headers.emplace_back(lower(line.substr(0, colon)), value);
  }
  if (!r.has_header("content-length")) {
    r.err = errors::make("no Content-Length");
    return r;
  }
  std::size_t length = head ? 0 : std::stoul(r.header("content-length"));
  if (length > (64u << 20)) {
    r.err = errors::make("body over 64 MiB");
    return r;
  }
  while (pending->size() < length) {
    io::Result got = c.read(std::span<char>(buf, sizeof buf));
    pending->append(buf, got.n);
    if (got.err) {
      r.err = got.err;
      return r;
    }
  }
  r.body = pending->substr(0, length);
  pending->erase(0, length);
  r.complete = true;
  return r;
}

// Reads until the server ends the connection; returns the error that ended the
// reads: io::eof when the server closed it cleanly.
Error read_to_end(const net::Conn& c, std::string* pending) {
  char buf[4096];
  for (int i = 0; i < 100000; ++i) {
    io::Result got = c.read(std::span<char>(buf, sizeof buf));
    pending->append(buf, got.n);
    if (got.err) return got.err;
  }
  return errors::make("the server kept sending");
}

// A clean close or a reset: the server ended it, no client deadline did.
bool closed_by_server(const Error& err) {
  return err == io::eof || net::errno_of(err) == ECONNRESET;
}

net::Conn connect(const std::string& addr, std::chrono::seconds budget = 60s) {
  auto [c, err] = net::dial("tcp", addr);
  EXPECT_FALSE(err) << err.message();
  if (c) c.set_deadline(time::add(time::now(), budget));
  return c;
}

std::string get(std::string_view target, std::string_view extra_headers = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         std::string(extra_headers) + "\r\n";
}

// One request on a fresh connection, closed after it.
Reply fetch(const std::string& addr, std::string_view target) {
  net::Conn c = connect(addr);
  if (!c) return Reply{};
  c.write(get(target, "Connection: close\r\n"));
  std::string pending;
  Reply r = read_reply(c, &pending);
  c.close();
  return r;
}

// Requests in sequence on one kept-alive connection.
class KeptAlive {
 public:
  explicit KeptAlive(const std::string& addr) : c_(connect(addr)) {}
  ~KeptAlive() {
    if (c_) c_.close();
  }
  KeptAlive(const KeptAlive&) = delete;
  KeptAlive& operator=(const KeptAlive&) = delete;

  Reply fetch(std::string_view target) {
    c_.write(get(target));
    return read_reply(c_, &pending_);
  }

 private:
  net::Conn c_;
  std::string pending_;
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool gzip_magic(std::string_view body) {
  return body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f &&
         static_cast<unsigned char>(body[1]) == 0x8b;
}

// Short deadlines for the tests of slow and idle clients, restored afterwards.
class ShortTimeouts {
 public:
  ShortTimeouts() : saved_(pprof::serve_internal::timeouts()) {
    pprof::serve_internal::Timeouts t;
    t.header = 300ms;
    t.idle = 300ms;
    t.write = 10s;
    t.linger = 200ms;
    pprof::serve_internal::set_timeouts(t);
  }
  ~ShortTimeouts() { pprof::serve_internal::set_timeouts(saved_); }
  ShortTimeouts(const ShortTimeouts&) = delete;
  ShortTimeouts& operator=(const ShortTimeouts&) = delete;

 private:
  pprof::serve_internal::Timeouts saved_;
};

}  // namespace

TEST(PprofServe, TheIndexListsEveryProfileWithItsCount) {
  two_entry_profile();
  run_with_procs(4, [] {
    TestServer server;
    Chan<int> parked = park(3);
    Reply r = fetch(server.addr(), "/debug/pprof/");
    ASSERT_TRUE(r.complete) << r.err.message();
    EXPECT_EQ(r.status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(r.header("content-length"), std::to_string(r.body.size()));
    EXPECT_NE(r.body.find("<title>/debug/pprof/</title>"), std::string::npos) << r.body;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        r.body, m,
        std::regex(
            "<tr><td>([0-9]+)</td><td><a href='goroutine\\?debug=1'>goroutine</a></td></tr>")))
        << r.body;
    EXPECT_GE(std::stoi(m[1].str()), 3);
    EXPECT_NE(r.body.find("<tr><td>2</td><td><a href='serve_test.custom?debug=1'>serve_test.custom"
                          "</a></td></tr>"),
              std::string::npos)
        << r.body;
    EXPECT_TRUE(std::regex_search(
        r.body, std::regex("<tr><td>[0-9]+</td><td><a href='threadcreate\\?debug=1'>threadcreate")))
        << r.body;
    EXPECT_NE(r.body.find("<tr><td>0</td><td><a href='goroutineleak?debug=1'>goroutineleak</a>"
                          "</td></tr>"),
              std::string::npos)
        << r.body;
    EXPECT_NE(r.body.find(">profile</a>"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("<a href=\"goroutine?debug=2\">full goroutine stack dump</a>"),
              std::string::npos)
        << r.body;
    parked.close();
    server.stop();
  });
}

// A custom profile's name may hold anything: the page escapes it, and its link
// leads back to it through the server's percent-decoding.
TEST(PprofServe, IndexLinksToOddlyNamedProfilesWork) {
  static pprof::Profile* odd = pprof::new_profile("serve test/<\"odd\">");
  run_with_procs(2, [] {
    TestServer server;
    Reply index = fetch(server.addr(), "/debug/pprof/");
    ASSERT_TRUE(index.complete) << index.err.message();
    std::string href = "serve%20test/%3C%22odd%22%3E?debug=1";
    EXPECT_NE(index.body.find("<a href='" + href + "'>serve test/&lt;&#34;odd&#34;&gt;</a>"),
              std::string::npos)
        << index.body;
    Reply r = fetch(server.addr(), "/debug/pprof/" + href);
    ASSERT_TRUE(r.complete) << r.err.message();
    EXPECT_EQ(r.status(), 200);
    EXPECT_TRUE(starts_with(r.body, "serve test/<\"odd\"> profile: total 0\n")) << r.body;
    // The quotes would end the filename early; they are replaced.
    Reply proto = fetch(server.addr(), "/debug/pprof/serve%20test/%3C%22odd%22%3E");
    EXPECT_EQ(proto.header("content-disposition"), "attachment; filename=\"serve test/<_odd_>\"");
    server.stop();
  });
  (void)odd;
}

TEST(PprofServe, TheGoroutineProfileInItsThreeForms) {
  run_with_procs(4, [] {
    TestServer server;
    Chan<int> parked = park(2);
    // One connection: see ManyClientsAtOnce for why no goroutine should exit
    // while a goroutine profile is being written.
    KeptAlive client(server.addr());

    Reply text = client.fetch("/debug/pprof/goroutine?debug=1");
    ASSERT_TRUE(text.complete) << text.err.message();
    EXPECT_EQ(text.status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(text.header("content-type"), "text/plain; charset=utf-8");
    EXPECT_FALSE(text.has_header("content-disposition"));
    EXPECT_TRUE(starts_with(text.body, "goroutine profile: total ")) << text.body;
    EXPECT_NE(text.body.find("parked_in_serve_test"), std::string::npos) << text.body;

    Reply dump = client.fetch("/debug/pprof/goroutine?debug=2");
    ASSERT_TRUE(dump.complete) << dump.err.message();
    EXPECT_EQ(dump.status(), 200);
    EXPECT_TRUE(std::regex_search(dump.body, std::regex("(^|\n)goroutine [0-9]+ \\[")))
        << dump.body;
    EXPECT_NE(dump.body.find("[chan receive]:\n"), std::string::npos) << dump.body;

    Reply proto = client.fetch("/debug/pprof/goroutine");
    ASSERT_TRUE(proto.complete) << proto.err.message();
    EXPECT_EQ(proto.status(), 200);
    EXPECT_EQ(proto.header("content-type"), "application/octet-stream");
    EXPECT_EQ(proto.header("content-disposition"), "attachment; filename=\"goroutine\"");
    EXPECT_TRUE(gzip_magic(proto.body));

    // Unknown parameters (Go's gc=1 for heap) are ignored; debug=0 is the proto.
    Reply gc = client.fetch("/debug/pprof/goroutine?gc=1&debug=0");
    EXPECT_EQ(gc.status(), 200);
    EXPECT_TRUE(gzip_magic(gc.body));
    Reply both = client.fetch("/debug/pprof/threadcreate?gc=1&debug=1");
    EXPECT_EQ(both.status(), 200);
    EXPECT_TRUE(starts_with(both.body, "threadcreate profile: total ")) << both.body;
    // The query is percent- and plus-decoded.
    Reply escaped = client.fetch("/debug/pprof/goroutine?%64ebug=%31&x=a+b");
    EXPECT_TRUE(starts_with(escaped.body, "goroutine profile: total ")) << escaped.body;

    parked.close();
    server.stop();
  });
}

TEST(PprofServe, BadDebugValuesAre400) {
  run_with_procs(2, [] {
    TestServer server;
    for (const char* value : {"abc", "", "1x", "-1", "99999999999", "0x1"}) {
      Reply r = fetch(server.addr(), std::string("/debug/pprof/goroutine?debug=") + value);
      ASSERT_TRUE(r.complete) << value << ": " << r.err.message();
      EXPECT_EQ(r.status_line, "HTTP/1.1 400 Bad Request") << value;
      EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8") << value;
      EXPECT_NE(r.body.find("debug"), std::string::npos) << value << ": " << r.body;
    }
    server.stop();
  });
}

TEST(PprofServe, UnknownProfilesAndOtherPathsAre404) {
  run_with_procs(2, [] {
    TestServer server;
    Reply unknown = fetch(server.addr(), "/debug/pprof/heap?debug=1");
    ASSERT_TRUE(unknown.complete) << unknown.err.message();
    EXPECT_EQ(unknown.status_line, "HTTP/1.1 404 Not Found");
    EXPECT_EQ(unknown.header("content-type"), "text/plain; charset=utf-8");
    EXPECT_EQ(unknown.body, "Unknown profile\n");
    for (const char* path : {"/", "/debug/", "/favicon.ico", "/debug/pprofx"}) {
      Reply other = fetch(server.addr(), path);
      ASSERT_TRUE(other.complete) << path << ": " << other.err.message();
      EXPECT_EQ(other.status(), 404) << path;
      EXPECT_EQ(other.body, "404 page not found\n") << path;
    }
    // Go's ServeMux sends the subtree's name without its slash to the subtree.
    Reply redirect = fetch(server.addr(), "/debug/pprof?x=1");
    EXPECT_EQ(redirect.status(), 301);
    EXPECT_EQ(redirect.header("location"), "/debug/pprof/?x=1");
    server.stop();
  });
}

TEST(PprofServe, Http10IsAnsweredInKindAndClosed) {
  run_with_procs(2, [] {
    TestServer server;
    net::Conn c = connect(server.addr());
    ASSERT_TRUE(c);
    c.write("GET /debug/pprof/goroutine?debug=1 HTTP/1.0\r\n\r\n");
    std::string pending;
    Reply r = read_reply(c, &pending);
    ASSERT_TRUE(r.complete) << r.err.message();
    EXPECT_EQ(r.status_line, "HTTP/1.0 200 OK");
    EXPECT_TRUE(starts_with(r.body, "goroutine profile: total ")) << r.body;
    // Keep-alive is not offered to HTTP/1.0 even when asked for.
    EXPECT_EQ(read_to_end(c, &pending), io::eof);
    EXPECT_EQ(pending, "");
    c.close();

    net::Conn c2 = connect(server.addr());
    c2.write("GET /debug/pprof/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    std::string pending2;
    Reply r2 = read_reply(c2, &pending2);
    EXPECT_EQ(r2.status_line, "HTTP/1.0 200 OK");
    EXPECT_EQ(read_to_end(c2, &pending2), io::eof);
    c2.close();
    server.stop();
  });
}

TEST(PprofServe, Http11KeepsTheConnectionUntilConnectionClose) {
  run_with_procs(2, [] {
    TestServer server;
    net::Conn c = connect(server.addr());
    ASSERT_TRUE(c);
    std::string pending;
    for (int i = 0; i < 3; ++i) {
      ASSERT_FALSE(c.write(get("/debug/pprof/goroutine?debug=1")).err);
      Reply r = read_reply(c, &pending);
      ASSERT_TRUE(r.complete) << i << ": " << r.err.message();
      EXPECT_EQ(r.status_line, "HTTP/1.1 200 OK");
      EXPECT_FALSE(r.has_header("connection")) << r.header("connection");
      EXPECT_TRUE(starts_with(r.body, "goroutine profile: total ")) << r.body;
    }
    // Two requests in one write (pipelining) get two responses, in order.
    c.write(get("/debug/pprof/goroutine?debug=1") + get("/debug/pprof/nothing"));
    Reply first = read_reply(c, &pending);
    Reply second = read_reply(c, &pending);
    EXPECT_EQ(first.status(), 200);
    EXPECT_EQ(second.status(), 404);
    // A HEAD gets the headers of a GET and no body: the next response starts
    // right after them.
    c.write("HEAD /debug/pprof/ HTTP/1.1\r\nHost: x\r\n\r\n" + get("/debug/pprof/threadcreate"));
    Reply head = read_reply(c, &pending, true);
    ASSERT_TRUE(head.complete) << head.err.message();
    EXPECT_EQ(head.status(), 200);
    EXPECT_EQ(head.header("content-type"), "text/html; charset=utf-8");
    EXPECT_GT(std::stoul(head.header("content-length")), 100u);
    Reply after_head = read_reply(c, &pending);
    EXPECT_EQ(after_head.status(), 200);
    EXPECT_TRUE(gzip_magic(after_head.body));
    // A body on a GET is read and dropped.
    c.write("GET /debug/pprof/ HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
            get("/debug/pprof/goroutine?debug=1"));
    EXPECT_EQ(read_reply(c, &pending).status(), 200);
    Reply after_body = read_reply(c, &pending);
    EXPECT_EQ(after_body.status(), 200);
    EXPECT_TRUE(starts_with(after_body.body, "goroutine profile: total ")) << after_body.body;

    c.write(get("/debug/pprof/goroutine?debug=1", "Connection: keep-alive, Close\r\n"));
    Reply last = read_reply(c, &pending);
    ASSERT_TRUE(last.complete) << last.err.message();
    EXPECT_EQ(last.status(), 200);
    EXPECT_EQ(last.header("connection"), "close");
    EXPECT_EQ(read_to_end(c, &pending), io::eof);
    EXPECT_EQ(pending, "");
    c.close();
    server.stop();
  });
}

// Each malformed request gets an error status and a close, and the server goes
// on serving.
TEST(PprofServe, MalformedRequestsAreRefusedAndTheServerStaysHealthy) {
  struct Case {
    const char* name;
    std::string request;
    int status;
  };
  std::string many_headers = "GET /debug/pprof/ HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 101; ++i) many_headers += "X-H" + std::to_string(i) + ": v\r\n";
  many_headers += "\r\n";
  const std::string host = "Host: x\r\n\r\n";
  std::vector<Case> cases = {
      {"garbage", "\x01\x02 hello\r\n\r\n", 400},
      {"one word", "GARBAGE\r\n\r\n", 400},
      {"missing version", "GET /debug/pprof/\r\n" + host, 400},
      {"HTTP/9.9", "GET /debug/pprof/ HTTP/9.9\r\n" + host, 505},
      {"HTTP/2.0", "GET /debug/pprof/ HTTP/2.0\r\n" + host, 505},
      {"not HTTP", "GET /debug/pprof/ HTTX/1.1\r\n" + host, 400},
      {"extra field", "GET /debug/pprof/ HTTP/1.1 x\r\n" + host, 400},
      {"oversized head",
       "GET /debug/pprof/ HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n",
       431},
      {"101 headers", many_headers, 431},
      {"header without colon", "GET /debug/pprof/ HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400},
      {"space before colon", "GET /debug/pprof/ HTTP/1.1\r\nHost : x\r\n\r\n", 400},
      {"folded header", "GET /debug/pprof/ HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400},
      {"bad escape in path", "GET /debug/pprof/%zz HTTP/1.1\r\n" + host, 400},
      {"truncated escape", "GET /debug/pprof/goroutine?debug=% HTTP/1.1\r\n" + host, 400},
      {"escaped NUL", "GET /debug/pprof/%00 HTTP/1.1\r\n" + host, 400},
      {"POST", "POST /debug/pprof/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 405},
      {"DELETE", "DELETE /debug/pprof/ HTTP/1.1\r\n" + host, 405},
      {"bad method", "G(T /debug/pprof/ HTTP/1.1\r\n" + host, 400},
      {"NUL in line", std::string("GET /debug/\0pprof/ HTTP/1.1\r\n", 30) + host, 400},
      {"NUL in header", std::string("GET /debug/pprof/ HTTP/1.1\r\nX: a\0b\r\n", 36) + host, 400},
      {"bare LF", "GET /debug/pprof/ HTTP/1.1\nHost: x\n\n", 400},
      {"bare CR", "GET /debug/pprof/ HTTP/1.1\rHost: x\r\n\r\n", 400},
      {"control byte",
       "GET /debug/pprof/ HTTP/1.1\r\nX: a\x01"
       "b\r\n" +
           host,
       400},
      {"non-ASCII target", "GET /debug/pprof/\xff HTTP/1.1\r\n" + host, 400},
      {"relative target", "GET debug/pprof/ HTTP/1.1\r\n" + host, 400},
      {"no Host", "GET /debug/pprof/ HTTP/1.1\r\n\r\n", 400},
      {"two Hosts", "GET /debug/pprof/ HTTP/1.1\r\nHost: a\r\n" + host, 400},
      {"chunked", "GET /debug/pprof/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" + host, 501},
      {"bad Content-Length", "GET /debug/pprof/ HTTP/1.1\r\nContent-Length: 1x\r\n" + host, 400},
      {"two Content-Lengths",
       "GET /debug/pprof/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n" + host, 400},
      {"huge body", "GET /debug/pprof/ HTTP/1.1\r\nContent-Length: 100000000\r\n" + host, 413},
  };
  run_with_procs(2, [&] {
    TestServer server;
    // (No SCOPED_TRACE: its stack is the thread's, and a goroutine migrates.)
    for (const Case& tc : cases) {
      net::Conn c = connect(server.addr());
      ASSERT_TRUE(c);
      c.write(tc.request);
      std::string pending;
      Reply r = read_reply(c, &pending);
      ASSERT_TRUE(r.complete) << tc.name << ": " << r.err.message();
      EXPECT_TRUE(std::regex_match(r.status_line, std::regex("HTTP/1\\.[01] [45][0-9][0-9] .+")))
          << tc.name << ": " << r.status_line;
      EXPECT_EQ(r.status(), tc.status) << tc.name << ": " << r.status_line << "\n" << r.body;
      EXPECT_EQ(r.header("connection"), "close") << tc.name;
      EXPECT_TRUE(closed_by_server(read_to_end(c, &pending))) << tc.name;
      c.close();
      // Not the goroutine profile, while the refused connection's goroutine may
      // still be exiting: see ManyClientsAtOnce.
      Reply good = fetch(server.addr(), "/debug/pprof/threadcreate?debug=1");
      EXPECT_EQ(good.status(), 200) << "after " << tc.name;
      EXPECT_TRUE(starts_with(good.body, "threadcreate profile: total ")) << "after " << tc.name;
    }
    // A request that ends before its line does: no answer, just the close.
    net::Conn c = connect(server.addr());
    c.write("GET /debug/pprof/ HTTP/1.1");
    c.close_write();
    std::string pending;
    EXPECT_EQ(read_to_end(c, &pending), io::eof);
    EXPECT_EQ(pending, "");
    c.close();
    // The absolute form a proxy sends is served.
    Reply absolute = fetch(server.addr(), "http://127.0.0.1/debug/pprof/threadcreate?debug=1");
    EXPECT_EQ(absolute.status(), 200);
    EXPECT_TRUE(starts_with(absolute.body, "threadcreate profile: total "));
    server.stop();
  });
}

// kClients clients at once, each making kRequests requests for target on one
// kept-alive connection or on a fresh connection each; returns how many
// succeeded, and the first failure of each client in failures.
int load(const std::string& addr, const std::string& target, std::string_view want_prefix,
         bool keep_alive, std::vector<std::string>* failures) {
  constexpr int kClients = 32;
  constexpr int kRequests = 20;
  failures->assign(kClients, "");
  std::vector<int> ok(kClients, 0);
  sync::WaitGroup done;
  // Clients end only once all are done: see ManyClientsAtOnce.
  auto release = make_chan<>();
  sync::WaitGroup ended;
  for (int i = 0; i < kClients; ++i) {
    done.add(1);
    ended.go([&, i] {
      net::Conn c;
      std::string pending;
      for (int j = 0; j < kRequests; ++j) {
        if (!c) c = connect(addr);
        if (!c) {
          (*failures)[i] = "dial failed";
          break;
        }
        c.write(get(target, keep_alive ? "" : "Connection: close\r\n"));
        Reply r = read_reply(c, &pending);
        if (!r.complete || r.status() != 200 || !starts_with(r.body, want_prefix)) {
          (*failures)[i] = "request " + std::to_string(j) + ": " + r.status_line + " " +
                           r.err.message() + "\n" + r.body.substr(0, 200);
          break;
        }
        ++ok[i];
        if (!keep_alive) {
          c.close();
          c = net::Conn();
          pending.clear();
        }
      }
      done.done();
      release.recv();
      if (c) c.close();
    });
  }
  done.wait();
  release.close();
  ended.wait();
  int total = 0;
  for (int n : ok) total += n;
  return total;
}

// 32 clients, 20 requests each for the goroutine profile, first on kept-alive
// connections, then on a fresh connection per request: goroutines are created and
// exit (each fresh connection's) while others walk their stacks.
TEST(PprofServe, ManyClientsAtOnce) {
  run_with_procs(4, [] {
    TestServer server;
    for (bool keep_alive : {true, false}) {
      std::vector<std::string> failures;
      EXPECT_EQ(load(server.addr(), "/debug/pprof/goroutine?debug=1", "goroutine profile: total ",
                     keep_alive, &failures),
                32 * 20);
      for (std::size_t i = 0; i < failures.size(); ++i) {
        EXPECT_EQ(failures[i], "")
            << (keep_alive ? "kept-alive" : "fresh-connection") << " client " << i;
      }
    }
    server.stop();
  });
}

// A client that stops halfway through a request, one that goes quiet after a
// response, and one that trickles bytes are all closed at the deadlines.
TEST(PprofServe, SlowAndIdleClientsAreClosedAtTheirDeadlines) {
  ShortTimeouts short_timeouts;
  run_with_procs(2, [] {
    TestServer server;

    net::Conn stalled = connect(server.addr(), 20s);
    ASSERT_TRUE(stalled);
    time::Time start = time::now();
    stalled.write("GET /debug/pp");
    std::string pending;
    EXPECT_EQ(read_to_end(stalled, &pending), io::eof);
    EXPECT_EQ(pending, "");
    EXPECT_LT(time::since(start), 10s);
    stalled.close();

    net::Conn idle = connect(server.addr(), 20s);
    idle.write(get("/debug/pprof/"));
    Reply r = read_reply(idle, &pending);
    EXPECT_EQ(r.status(), 200);
    start = time::now();
    EXPECT_EQ(read_to_end(idle, &pending), io::eof);
    EXPECT_LT(time::since(start), 10s);
    idle.close();

    // One byte every 20 ms would take 8 s to send; the header deadline (300 ms
    // from the first byte) ends it long before.
    net::Conn trickle = connect(server.addr(), 20s);
    std::string request = "GET /debug/pprof/" + std::string(400, 'a');
    auto stopped = make_chan<int>(1);
    start = time::now();
    go([trickle, request, stopped] {
      int sent = 0;
      for (char ch : request) {
        if (trickle.write(std::string_view(&ch, 1)).err) break;
        ++sent;
        time::sleep(20ms);
      }
      stopped.send(sent);
    });
    EXPECT_TRUE(closed_by_server(read_to_end(trickle, &pending)));
    EXPECT_LT(time::since(start), 6s);
    trickle.close();  // ends the writer if it has not noticed yet
    std::optional<int> sent = stopped.recv();
    ASSERT_TRUE(sent.has_value());
    EXPECT_LT(*sent, 400);
    server.stop();
  });
}

// go tool pprof fetches the profile over HTTP as it would from a Go program,
// and finds this test's parked goroutines in it.
TEST(PprofServe, GoToolPprofFetchesTheGoroutineProfile) {
  if (std::string(GOCXX_GO_EXECUTABLE).empty()) {
    GTEST_SKIP() << "no Go toolchain (scripts/install-deps.sh)";
  }
  std::string dir = ::testing::TempDir() + "gocxx_pprof_serve_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  run_with_procs(4, [&] {
    // Parked before the server starts, so that ThreadSanitizer sees the dump in
    // park() happen before serve's goroutines are created (see ManyClientsAtOnce).
    Chan<int> parked = park(4);
    TestServer server;
    std::string url = "http://" + server.addr() + "/debug/pprof/goroutine";
    std::vector<std::string> env = {"HOME=" + dir, "GOCACHE=" + dir + "/cache",
                                    "PPROF_TMPDIR=" + dir};
    // The child's requests are served by goroutines: this one must not hold its
    // processor while it waits.
    ProcessResult raw = blocking([&] {
      return run_process({GOCXX_GO_EXECUTABLE, "tool", "pprof", "-raw", url}, env, 120);
    });
    EXPECT_EQ(raw.exit_code, 0) << raw.err;
    EXPECT_NE(raw.out.find("PeriodType: goroutine count"), std::string::npos) << raw.out;
    EXPECT_NE(raw.out.find("parked_in_serve_test"), std::string::npos) << raw.out << raw.err;
    parked.close();
    server.stop();
  });
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST(PprofServe, ServeReturnsListenAndAcceptErrorsAtOnce) {
  run_with_procs(2, [] {
    Error err = pprof::serve("bad address");
    ASSERT_TRUE(err);
    EXPECT_NE(err.message().find("missing port"), std::string::npos) << err.message();
    auto [ln, err2] = net::listen("tcp", "127.0.0.1:0");
    ASSERT_FALSE(err2) << err2.message();
    Error busy = pprof::serve(ln.addr().to_string());
    ASSERT_TRUE(busy);
    EXPECT_EQ(net::errno_of(busy), EADDRINUSE) << busy.message();
    ln.close();
    // A listener closed before serve: accept's err_closed, at once.
    EXPECT_TRUE(errors::is(pprof::serve(ln), net::err_closed));
    EXPECT_TRUE(pprof::serve(net::Listener()));
  });
}

// Past the descriptor limit accept fails and the listener stays usable: serve
// backs off and retries instead of returning, and answers once descriptors are
// free (in a child: the limit is per process).
TEST(PprofServe, AcceptFailingForWantOfDescriptorsIsRetried) {
#if defined(GOCXX_TEST_UBSAN)
  GTEST_SKIP() << "UBSan's vptr check needs a free descriptor (it probes memory through a pipe)";
#endif
  GOCXX_IN_FRESH_PROCESS(run_with_procs(2, [] {
    TestServer server;
    std::string addr = server.addr();
    // Symbols and unwinding state that the dump below needs, loaded while
    // descriptors are still free.
    runtime::stack(true);
    rlimit old_limit{};
    ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &old_limit), 0);
    rlimit lim{256, old_limit.rlim_max};
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lim), 0);
    std::vector<int> filler;
    for (int i = 0; i < 1024; ++i) {
      int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      filler.push_back(fd);
    }
    ASSERT_FALSE(filler.empty());
    ::close(filler.back());  // one for the client's socket; none for accept
    filler.pop_back();
    auto [c, err] = net::dial("tcp", addr);
    ASSERT_FALSE(err) << err.message();
    c.set_deadline(time::add(time::now(), 60s));
    c.write(get("/debug/pprof/goroutine?debug=1", "Connection: close\r\n"));
    // serve's goroutine sleeps between tries.
    EXPECT_TRUE(
        eventually([] { return runtime::stack(true).find(" [sleep]:") != std::string::npos; }));
    for (int fd : filler) ::close(fd);
    std::string pending;
    Reply r = read_reply(c, &pending);
    ASSERT_TRUE(r.complete) << r.err.message();
    EXPECT_EQ(r.status(), 200);
    EXPECT_TRUE(starts_with(r.body, "goroutine profile: total "));
    c.close();
    server.stop();
  }));
}

// Last: the CPU profile route, which needs the CPU profiler itself.
TEST(PprofServe, TheCpuProfileRoute) {
  run_with_procs(2, [] {
    TestServer server;
    for (const char* bad : {"abc", "0", "-5", ""}) {
      Reply r = fetch(server.addr(), std::string("/debug/pprof/profile?seconds=") + bad);
      EXPECT_EQ(r.status(), 400) << bad;
      EXPECT_NE(r.body.find("seconds"), std::string::npos) << bad << ": " << r.body;
    }

    Reply r = fetch(server.addr(), "/debug/pprof/profile?seconds=1");
    ASSERT_TRUE(r.complete) << r.err.message();
    EXPECT_EQ(r.status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(r.header("content-type"), "application/octet-stream");
    EXPECT_EQ(r.header("content-disposition"), "attachment; filename=\"profile\"");
    EXPECT_TRUE(gzip_magic(r.body));

    // While a profile runs, another cannot start.
    std::ostringstream mine;
    ASSERT_FALSE(pprof::start_cpu_profile(mine));
    Reply busy = fetch(server.addr(), "/debug/pprof/profile?seconds=1");
    pprof::stop_cpu_profile();
    ASSERT_TRUE(busy.complete) << busy.err.message();
    EXPECT_EQ(busy.status_line, "HTTP/1.1 500 Internal Server Error");
    EXPECT_TRUE(starts_with(busy.body, "Could not enable CPU profiling: ")) << busy.body;
    server.stop();
  });
}
