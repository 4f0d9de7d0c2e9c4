// E88 race-detector: Go's -race finds data races that happen while the program
// runs. gocxx's equivalent is ThreadSanitizer: build with the `tsan` preset
// (cmake --preset tsan), and the runtime tells TSan about every goroutine switch,
// so races between goroutines are reported and the runtime's own hand-offs are
// not.
//
// The program is E01's account: two goroutines withdraw from one balance.
//   tour_E88           the fix: Withdraw's check-then-act under a sync::Mutex; clean
//                      under TSan.
//   tour_E88 --racy    the tutorial's unsynchronised Withdraw (a data race: under TSan
//                      the report names both accesses and exits 66; without TSan the
//                      program just runs, with whatever balance the race leaves).
// Both goroutines withdraw --rounds times (default 2000) and deposit back, so that
// they overlap in time, as the tutorial advises: races are found only when they
// happen.
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour_flags.hpp"

namespace {

struct Account {
  int Balance = 10;
};

// The tutorial's Withdraw: check, then act.
__attribute__((noinline)) bool Withdraw(Account& a, int n) {
  if (a.Balance < n) return false;
  a.Balance -= n;
  return true;
}

__attribute__((noinline)) void Deposit(Account& a, int n) {
  a.Balance += n;
}

struct SafeAccount {
  gocxx::sync::Mutex mu;
  Account account;
  bool Withdraw(int n) {
    std::lock_guard<gocxx::sync::Mutex> guard(mu);
    return ::Withdraw(account, n);
  }
  void Deposit(int n) {
    std::lock_guard<gocxx::sync::Mutex> guard(mu);
    ::Deposit(account, n);
  }
};

}  // namespace

int main(int argc, char** argv) {
  long rounds = 2000;
  bool racy = false;
  if (!tour::parse_flags(argc, argv, {{"--rounds", &rounds}, {"--racy", nullptr, &racy}},
                         "[--racy] [--rounds N]")) {
    return 2;
  }
  return gocxx::run([&] {
    Account plain;
    SafeAccount safe;
    auto start = gocxx::make_chan<int>();
    gocxx::sync::WaitGroup wg;
    for (int amount : {6, 5}) {
      wg.add(1);
      gocxx::go([&, amount] {
        start.recv();  // both begin together
        for (long i = 0; i < rounds; i++) {
          if (racy ? Withdraw(plain, amount) : safe.Withdraw(amount)) {
            racy ? Deposit(plain, amount) : safe.Deposit(amount);
          }
        }
        wg.done();
      });
    }
    start.close();
    wg.wait();
    int balance = racy ? plain.Balance : safe.account.Balance;
    std::printf("%s: balance %d after %ld rounds each\n", racy ? "racy" : "with a Mutex", balance,
                rounds);
  });
}
