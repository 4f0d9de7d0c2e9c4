// What Go prints when a program dies: an uncaught exception (panic) in a goroutine,
// a runtime fatal error, a stack overflow. Each scenario runs as a child process.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "runtime/sanitizers.hpp"
#include "subprocess.hpp"

using gocxx::testing::ProcessResult;
using gocxx::testing::run_process;

namespace {

ProcessResult scenario(const std::string& name, std::vector<std::string> env = {}) {
  if (env.empty()) env.push_back("GOTRACEBACK=single");
  return run_process({GOCXX_CRASH_SCENARIOS, name}, env, 60);
}

bool matches(const std::string& text, const std::string& re) {
  return std::regex_search(text, std::regex(re));
}

}  // namespace

TEST(Panic, AnExceptionEscapingAGoroutinePrintsPanicAndExits2) {
  ProcessResult r = scenario("panic-in-goroutine");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("panic: boom\n\ngoroutine ", 0), 0u) << r.err;
  EXPECT_TRUE(matches(r.err, "goroutine [0-9]+ \\[running\\]:\n")) << r.err;
  EXPECT_TRUE(matches(r.err, "created by .* in goroutine 1\n")) << r.err;
  // The default traceback shows only the panicking goroutine, not blocked main.
  EXPECT_EQ(r.err.find("[chan receive]"), std::string::npos) << r.err;
}

TEST(Panic, TheTracebackShowsTheThrowingFrames) {
  ProcessResult r = scenario("panic-in-main");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("panic: boom\n\ngoroutine 1 [running]:\n", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("throw_boom"), std::string::npos) << r.err;
  // Goroutine 1 has no "created by" line, as in Go.
  EXPECT_EQ(r.err.find("created by"), std::string::npos) << r.err;
}

TEST(Panic, ALockedGoroutineSaysSoInItsHeader) {
  ProcessResult r = scenario("panic-locked");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("panic: boom\n\ngoroutine 1 [running, locked to thread]:\n", 0), 0u)
      << r.err;
}

TEST(Panic, GotracebackAllListsEveryGoroutine) {
  ProcessResult r = scenario("panic-in-goroutine", {"GOTRACEBACK=all"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("goroutine 1 [chan receive]:"), std::string::npos) << r.err;
}

TEST(Panic, GotracebackNonePrintsOnlyThePanic) {
  ProcessResult r = scenario("panic-in-goroutine", {"GOTRACEBACK=none"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "panic: boom\n");
}

TEST(Panic, RuntimePanicsCarryGosMessages) {
  struct Case {
    const char* scenario;
    const char* message;
  } cases[] = {
      {"close-nil", "panic: close of nil channel\n"},
      {"close-closed", "panic: close of closed channel\n"},
      {"send-closed", "panic: send on closed channel\n"},
      {"throw-int", "panic: exception of type int\n"},
  };
  for (const Case& c : cases) {
    ProcessResult r = scenario(c.scenario);
    EXPECT_EQ(r.exit_code, 2) << c.scenario;
    EXPECT_EQ(r.err.rfind(c.message, 0), 0u) << c.scenario << ": " << r.err;
  }
}

TEST(Fatal, GoOfANilFunctionValue) {
  ProcessResult r = scenario("go-nil");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.rfind("fatal error: go of nil func value\n", 0), 0u) << r.err;
}

// Go's sync package throws (unrecoverable) on these.
TEST(Fatal, UnlockingAnUnlockedMutexOrRWMutex) {
  struct Case {
    const char* scenario;
    const char* message;
  } cases[] = {
      {"unlock-unlocked-mutex", "fatal error: sync: unlock of unlocked mutex\n"},
      {"unlock-unlocked-mutex-thread", "fatal error: sync: unlock of unlocked mutex\n"},
      {"runlock-unlocked-rwmutex", "fatal error: sync: RUnlock of unlocked RWMutex\n"},
      {"unlock-unlocked-rwmutex", "fatal error: sync: Unlock of unlocked RWMutex\n"},
  };
  for (const Case& c : cases) {
    ProcessResult r = scenario(c.scenario);
    EXPECT_EQ(r.exit_code, 2) << c.scenario;
    EXPECT_EQ(r.err.rfind(c.message, 0), 0u) << c.scenario << ": " << r.err;
  }
}

TEST(StackOverflow, EndsTheProcessWithAClearMessage) {
  if (gocxx::rt::kUnderSanitizer) GTEST_SKIP() << "the sanitizers own SIGSEGV";
  ProcessResult r = scenario("stack-overflow");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(matches(r.err,
                      "runtime: goroutine stack exceeds [0-9]+-byte limit\n"
                      "fatal error: goroutine [0-9]+ stack overflow\n"))
      << r.err;
}

// A single frame much larger than the guard (1 MiB on a 256 KiB stack): the
// compiler's stack-clash probes touch every page on the way down, so the first
// one below the stack faults in the guard.
TEST(StackOverflow, AFrameLargerThanTheGuardCannotJumpIt) {
  ProcessResult r = scenario("stack-clash-1mib");
  EXPECT_EQ(r.out.find("returned normally"), std::string::npos) << r.out;
  if (gocxx::rt::kUnderSanitizer) {
    // The sanitizers own SIGSEGV: they report the fault and exit non-zero.
    EXPECT_NE(r.exit_code, 0) << r.err;
    return;
  }
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(matches(r.err,
                      "runtime: goroutine stack exceeds 262144-byte limit\n"
                      "fatal error: goroutine [0-9]+ stack overflow\n"))
      << r.err;
}

TEST(StackOverflow, TheStackSizeIsSettable) {
  if (gocxx::rt::kUnderSanitizer) GTEST_SKIP() << "the sanitizers own SIGSEGV";
  ProcessResult r = scenario("stack-overflow-64k");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("exceeds 65536-byte limit\nfatal error: goroutine"), std::string::npos)
      << r.err;
  r = run_process({GOCXX_CRASH_SCENARIOS, "stack-overflow"}, {"GOCXX_STACK_SIZE=128K"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("exceeds 131072-byte limit"), std::string::npos) << r.err;
}

TEST(Exit, MainReturningEndsTheProgramWhateverOthersDo) {
  ProcessResult r = scenario("main-returns-while-others-run");
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "main done\n");
}

// Go's SIGQUIT: "SIGQUIT: quit", the pc, the M and the signal code, a blank line,
// every goroutine (the one that was waiting included, with its frames), the
// registers, exit status 2.
TEST(Sigquit, DumpsEveryGoroutineAndExits2) {
  ProcessResult r = scenario("sigquit");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(matches(r.err, "^SIGQUIT: quit\nPC=0x[0-9a-f]+ m=[0-9]+ sigcode=0\n\ngoroutine "))
      << r.err;
  EXPECT_TRUE(matches(r.err, "\ngoroutine 1 \\[[a-z ]+\\]:\n")) << r.err;
  EXPECT_TRUE(matches(r.err, "\ngoroutine [0-9]+ \\[chan receive\\]:\n")) << r.err;
  if (r.err.find("crash_scenarios.cpp:") != std::string::npos) {  // built with debug info
    EXPECT_NE(r.err.find("wait_for_the_quit"), std::string::npos) << r.err;
  }
#if defined(__x86_64__)
  EXPECT_TRUE(matches(r.err, "\nrax    0x[0-9a-f]+\n")) << r.err;
  EXPECT_TRUE(matches(r.err, "\nrip    0x[0-9a-f]+\nrflags 0x[0-9a-f]+\n")) << r.err;
#endif
}

TEST(Sigquit, GOTRACEBACKNonePrintsOnlyTheSignal) {
  ProcessResult r = scenario("sigquit", {"GOTRACEBACK=none"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(matches(r.err, "^SIGQUIT: quit\nPC=0x[0-9a-f]+ m=[0-9]+ sigcode=0\n$")) << r.err;
}

// A program that asked for SIGQUIT with signal::notify gets it instead.
TEST(Sigquit, NotifyTakesItOver) {
  ProcessResult r = scenario("sigquit-notified");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "got signal " + std::to_string(SIGQUIT) + "\n") << r.err;
  EXPECT_EQ(r.err, "");
}

namespace {

std::string crash_file_for(const std::string& scenario_name) {
  return ::testing::TempDir() + "gocxx_crash_" + scenario_name + "_" + std::to_string(::getpid());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

// debug::set_crash_output: the report on stderr is also in the file, byte for byte.
TEST(CrashOutput, APanicIsWrittenToTheFileToo) {
  std::string path = crash_file_for("panic");
  ProcessResult r =
      scenario("crash-output-panic", {"GOTRACEBACK=single", "GOCXX_CRASH_FILE=" + path});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("panic: boom\n\ngoroutine 1 [running]:\n", 0), 0u) << r.err;
  EXPECT_EQ(read_file(path), r.err);
  std::remove(path.c_str());
}

TEST(CrashOutput, AFatalErrorIsWrittenToTheFileToo) {
  std::string path = crash_file_for("deadlock");
  ProcessResult r =
      scenario("crash-output-deadlock", {"GOTRACEBACK=single", "GOCXX_CRASH_FILE=" + path});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("fatal error: all goroutines are asleep - deadlock!\n", 0), 0u) << r.err;
  EXPECT_EQ(read_file(path), r.err);
  std::remove(path.c_str());
}

TEST(CrashOutput, MinusOneStopsTheCopy) {
  std::string path = crash_file_for("removed");
  ProcessResult r =
      scenario("crash-output-removed", {"GOTRACEBACK=single", "GOCXX_CRASH_FILE=" + path});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("panic: boom\n", 0), 0u) << r.err;
  EXPECT_EQ(read_file(path), "");
  std::remove(path.c_str());
}

// Go 1.25 prints a panic recovered and raised again with the same value once,
// marked "[recovered, repanicked]"; in C++ that is a catch block rethrowing.
TEST(Panic, ARethrownPanicIsMarkedRecoveredRepanicked) {
  for (const char* name : {"repanic-rethrow", "repanic-copy"}) {
    ProcessResult r = scenario(name);
    EXPECT_EQ(r.exit_code, 2) << name << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("panic: boom [recovered, repanicked]\n\ngoroutine 1 [running]:\n", 0), 0u)
        << name << "\n"
        << r.err;
  }
}

// A different exception thrown while one is being handled: Go's chain, the first
// panic marked "[recovered]", the next indented by a tab.
TEST(Panic, APanicWhileHandlingAnotherPrintsBoth) {
  ProcessResult r = scenario("panic-while-handling");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.rfind("panic: first [recovered]\n\tpanic: second\n\ngoroutine 1 [running]:\n", 0),
            0u)
      << r.err;
}
