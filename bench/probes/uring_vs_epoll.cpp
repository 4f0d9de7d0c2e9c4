// Probe for docs/decisions.md ("the poller: epoll, not io_uring"): the server
// side of a loopback echo, served the way gocxx's poller serves it (edge-triggered
// epoll, then read until EAGAIN, then write) and the way an io_uring poller would
// (a recv posted per socket, completions reaped, the send and the next recv
// submitted in one batch). 64 TCP connections, 64-byte messages; per round the
// client side (plain blocking calls, the same in both) writes to every
// connection and reads every echo. Prints ns per round trip for each.
//
// Built when liburing is installed (Debian: liburing-dev): target probe_uring_vs_epoll.
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

constexpr int kConns = 64;
constexpr int kRounds = 20000;
constexpr int kMsg = 64;

void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

// kConns connected pairs over loopback TCP: {client, server}.
std::vector<std::pair<int, int>> make_pairs(bool nonblocking_server) {
  int ln = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(ln, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(ln, kConns) != 0)
    die("listen");
  socklen_t len = sizeof a;
  getsockname(ln, reinterpret_cast<sockaddr*>(&a), &len);
  std::vector<std::pair<int, int>> pairs;
  for (int i = 0; i < kConns; i++) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("connect");
    int s = accept4(ln, nullptr, nullptr, nonblocking_server ? SOCK_NONBLOCK : 0);
    if (s < 0) die("accept");
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pairs.emplace_back(c, s);
  }
  close(ln);
  return pairs;
}

void client_send(const std::vector<std::pair<int, int>>& pairs) {
  char msg[kMsg] = {};
  for (auto& p : pairs) {
    if (write(p.first, msg, kMsg) != kMsg) die("client write");
  }
}

void client_recv(const std::vector<std::pair<int, int>>& pairs) {
  char buf[kMsg];
  for (auto& p : pairs) {
    int got = 0;
    while (got < kMsg) {
      ssize_t n = read(p.first, buf + got, kMsg - got);
      if (n <= 0) die("client read");
      got += static_cast<int>(n);
    }
  }
}

double run_epoll() {
  auto pairs = make_pairs(true);
  int ep = epoll_create1(0);
  for (int i = 0; i < kConns; i++) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u32 = static_cast<unsigned>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, pairs[static_cast<std::size_t>(i)].second, &ev);
  }
  epoll_event evs[128];
  char buf[kMsg];
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < kRounds; r++) {
    client_send(pairs);
    int served = 0;
    while (served < kConns) {
      int n = epoll_wait(ep, evs, 128, -1);
      for (int k = 0; k < n; k++) {
        if ((evs[k].events & EPOLLIN) == 0) continue;
        int fd = pairs[evs[k].data.u32].second;
        for (;;) {  // edge-triggered: read until EAGAIN, as gocxx's net does
          ssize_t m = read(fd, buf, sizeof buf);
          if (m > 0) {
            if (write(fd, buf, static_cast<std::size_t>(m)) != m) die("server write");
            served++;
            continue;
          }
          if (m < 0 && errno == EAGAIN) break;
          die("server read");
        }
      }
    }
    client_recv(pairs);
  }
  double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  for (auto& p : pairs) {
    close(p.first);
    close(p.second);
  }
  close(ep);
  return ns / (static_cast<double>(kRounds) * kConns);
}

double run_uring() {
  auto pairs = make_pairs(false);
  io_uring ring;
  if (io_uring_queue_init(256, &ring, 0) != 0) die("io_uring_queue_init");
  std::vector<std::vector<char>> bufs(kConns, std::vector<char>(kMsg));
  auto post_recv = [&](int i) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring);
    io_uring_prep_recv(sqe, pairs[static_cast<std::size_t>(i)].second,
                       bufs[static_cast<std::size_t>(i)].data(), kMsg, 0);
    io_uring_sqe_set_data64(sqe, static_cast<std::uint64_t>(i));
  };
  for (int i = 0; i < kConns; i++) post_recv(i);
  io_uring_submit(&ring);
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < kRounds; r++) {
    client_send(pairs);
    int served = 0;
    while (served < kConns) {
      io_uring_submit_and_wait(&ring, 1);
      io_uring_cqe* cqe;
      unsigned head;
      unsigned seen = 0;
      io_uring_for_each_cqe(&ring, head, cqe) {
        seen++;
        std::uint64_t tag = io_uring_cqe_get_data64(cqe);
        if (tag >= (1u << 20)) continue;  // a send's completion
        int i = static_cast<int>(tag);
        if (cqe->res <= 0) die("uring recv");
        io_uring_sqe* sqe = io_uring_get_sqe(&ring);
        io_uring_prep_send(sqe, pairs[static_cast<std::size_t>(i)].second,
                           bufs[static_cast<std::size_t>(i)].data(),
                           static_cast<unsigned>(cqe->res), 0);
        io_uring_sqe_set_data64(sqe, (1u << 20) + static_cast<std::uint64_t>(i));
        post_recv(i);
        served++;
      }
      io_uring_cq_advance(&ring, seen);
    }
    io_uring_submit(&ring);
    client_recv(pairs);
  }
  double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  io_uring_queue_exit(&ring);
  for (auto& p : pairs) {
    close(p.first);
    close(p.second);
  }
  return ns / (static_cast<double>(kRounds) * kConns);
}

}  // namespace

int main() {
  for (int i = 0; i < 3; i++) {
    std::printf("RESULT name=probe_echo_epoll value=%.1f unit=ns\n", run_epoll());
    std::printf("RESULT name=probe_echo_uring value=%.1f unit=ns\n", run_uring());
    std::fflush(stdout);
  }
}
