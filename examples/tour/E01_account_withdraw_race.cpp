// E01 account-withdraw-race: Withdraw is check-then-act: it
// reads Balance, decides, then updates it. Two goroutines withdrawing 6 and 5 from a
// Balance of 10 should leave 4 or 5, with exactly one success; without
// synchronisation the tutorial's interleaving (G1 reads 10, G2 reads 10, G2 writes 5,
// G1 writes -1) lets both succeed.
//
// The unsynchronised program is a data race (undefined behaviour in C++), so this
// port shows the two sides deterministically instead:
//   1. the fix: Withdraw's body under a sync::Mutex, both goroutines joined with a
//      WaitGroup, run --runs times (default 10000); one line per distinct outcome,
//      with how many runs ended that way;
//   2. the tutorial's trace, forced: channels order the steps of two unlocked Withdraws
//      exactly as in the trace (each step happens-before the next, so there is no
//      data race), and both calls succeed, leaving -1.
// (The tutorial never declares ErrInsufficient; here it is errors.New("insufficient
// funds"). The tutorial's goroutines are never joined; here they are.)
// Usage: tour_E01 [--runs N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

namespace {

const gocxx::Error ErrInsufficient = gocxx::errors::make("insufficient funds");

struct Account {
  int Balance;
};

// The tutorial's Withdraw, with hooks between its steps (no-ops in the fixed version).
gocxx::Error withdraw(Account& a, int n, const std::function<void(int)>& after_check = {}) {
  int seen = a.Balance;
  if (seen < n) return ErrInsufficient;
  if (after_check) after_check(seen);
  a.Balance -= n;
  return {};
}

std::string result(const gocxx::Error& err) {
  return err ? err.message() : "<nil>";  // fmt's %v of an error
}

// The fix: the whole check-then-act under one Mutex.
struct SafeAccount {
  gocxx::sync::Mutex mu;
  Account account{10};
  gocxx::Error Withdraw(int n) {
    std::lock_guard<gocxx::sync::Mutex> guard(mu);
    return withdraw(account, n);
  }
};

void fixed(long runs) {
  std::map<std::string, long> outcomes;
  for (long i = 0; i < runs; i++) {
    SafeAccount a;
    gocxx::Error err1, err2;
    gocxx::sync::WaitGroup wg;
    wg.add(2);
    gocxx::go([&] {
      err1 = a.Withdraw(6);  // goroutine 1
      wg.done();
    });
    gocxx::go([&] {
      err2 = a.Withdraw(5);  // goroutine 2
      wg.done();
    });
    wg.wait();
    outcomes["Balance " + std::to_string(a.account.Balance) + ", Withdraw(6): " + result(err1) +
             ", Withdraw(5): " + result(err2)]++;
  }
  std::printf("with a Mutex, %ld runs:\n", runs);
  for (const auto& [outcome, n] : outcomes) std::printf("  %s: %ld\n", outcome.c_str(), n);
}

void forced_interleaving() {
  std::printf("without a lock, the tutorial's interleaving forced with channels:\n");
  Account a{10};
  auto g1_read = gocxx::make_chan<>();  // goroutine 1 has checked the balance
  auto g2_done = gocxx::make_chan<>();  // goroutine 2 has returned
  auto g1_done = gocxx::make_chan<>();
  gocxx::Error err1, err2;
  gocxx::go([&] {  // goroutine 1: Withdraw(6)
    err1 = withdraw(a, 6, [&](int seen) {
      std::printf("  goroutine 1: read %d\n", seen);
      g1_read.send();
      g2_done.recv();  // goroutine 2 runs its whole Withdraw here
    });
    std::printf("  goroutine 1: wrote %d, returned %s\n", a.Balance, result(err1).c_str());
    g1_done.close();
  });
  gocxx::go([&] {  // goroutine 2: Withdraw(5)
    g1_read.recv();
    err2 = withdraw(a, 5, [](int seen) { std::printf("  goroutine 2: read %d\n", seen); });
    std::printf("  goroutine 2: wrote %d, returned %s\n", a.Balance, result(err2).c_str());
    g2_done.close();
  });
  g1_done.recv();
  std::printf("  Balance %d, successful Withdraws: %d\n", a.Balance, (!err1) + (!err2));
}

}  // namespace

int main(int argc, char** argv) {
  long runs = 10000;
  if (!tour::parse_flags(argc, argv, {{"--runs", &runs}}, "[--runs N]")) return 2;
  return gocxx::run([runs] {
    fixed(runs);
    forced_interleaving();
  });
}
