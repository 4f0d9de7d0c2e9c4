// E18 rwmutex-vs-mutex: a producer takes the write lock 5 times,
// sleeping between, while `count` observers each take and release either the read
// lock (m.RLocker()) or the full lock (&m). The table gives the time of each run for
// 1, 2, 4, ... 2^19 observers: RWMutex pays off when readers clearly outnumber
// writers (the tutorial gives no numbers). Printed through a port of text/tabwriter
// (minwidth 0, tabwidth 1, padding 2, ' '), which prints the table when it is
// flushed, at the end. The header keeps the tutorial's typo, `RWMutext`. The tutorial's
// time.Sleep(1) sleeps 1ns.
// Usage: tour_E18 [--rows N]   (rows for 2^0 ... 2^(N-1) observers; default 20)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"

using namespace std::chrono_literals;
using gocxx::sync::Locker;
using gocxx::sync::WaitGroup;

namespace {

// text/tabwriter for this table: cells end with '\t'; each column is as wide as its
// widest cell (in runes) plus the padding; the text after a line's last tab is not
// part of a column.
class TabWriter {
 public:
  explicit TabWriter(std::size_t padding) : padding_(padding) {}
  void line(std::vector<std::string> cells) { lines_.push_back(std::move(cells)); }
  void flush() {
    std::vector<std::size_t> width;
    for (const auto& cells : lines_) {
      for (std::size_t c = 0; c + 1 < cells.size(); c++) {
        if (width.size() <= c) width.resize(c + 1, 0);
        width[c] = std::max(width[c], runes(cells[c]) + padding_);
      }
    }
    for (const auto& cells : lines_) {
      std::string out;
      for (std::size_t c = 0; c < cells.size(); c++) {
        out += cells[c];
        if (c + 1 < cells.size()) out.append(width[c] - runes(cells[c]), ' ');
      }
      std::printf("%s\n", out.c_str());
    }
    lines_.clear();
  }

 private:
  static std::size_t runes(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
    return n;
  }
  std::size_t padding_;
  std::vector<std::vector<std::string>> lines_;
};

void producer(WaitGroup* wg, Locker* l) {
  for (int i = 5; i > 0; i--) {
    l->lock();
    l->unlock();
    gocxx::time::sleep(1ns);
  }
  wg->done();
}

void observer(WaitGroup* wg, Locker* l) {
  l->lock();
  l->unlock();
  wg->done();
}

gocxx::time::Duration test(int count, Locker& mutex, Locker& rwMutex) {
  WaitGroup wg;
  wg.add(count + 1);
  auto beginTestTime = gocxx::time::now();
  gocxx::go(producer, &wg, &mutex);
  for (int i = count; i > 0; i--) {
    gocxx::go(observer, &wg, &rwMutex);
  }
  wg.wait();
  return gocxx::time::since(beginTestTime);
}

}  // namespace

int main(int argc, char** argv) {
  int rows = 20;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--rows") == 0 && i + 1 < argc && std::atoi(argv[i + 1]) > 0 &&
        std::atoi(argv[i + 1]) <= 30) {
      rows = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--rows N]   (1 <= N <= 30)\n", argv[0]);
      return 2;
    }
  }
  return gocxx::run([rows] {
    TabWriter tw(2);
    gocxx::sync::RWMutex m;
    tw.line({"Readers", "RWMutext", "Mutex"});
    for (int i = 0; i < rows; i++) {
      int count = 1 << i;  // math.Pow(2, float64(i))
      auto with_rlocker = test(count, m, m.rlocker());
      auto with_mutex = test(count, m, m);
      tw.line({std::to_string(count), gocxx::time::to_string(with_rlocker),
               gocxx::time::to_string(with_mutex)});
    }
    tw.flush();  // defer tw.Flush()
  });
}
