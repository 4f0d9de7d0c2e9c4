// gocxx::Error and the errors functions (Go's errors package and %w wrapping).
#include <gtest/gtest.h>

#include "gocxx/gocxx.hpp"

using namespace gocxx;

namespace {

class NotFound final : public errors::ErrorBase {
 public:
  explicit NotFound(std::string what) : what_(std::move(what)) {}
  std::string message() const override { return what_ + " not found"; }
  const std::string& what() const { return what_; }

 private:
  std::string what_;
};

const Error kSentinel = errors::make("sentinel");

}  // namespace

TEST(Errors, NoErrorIsTheDefault) {
  Error none;
  EXPECT_FALSE(none);
  EXPECT_EQ(none.message(), "<nil>");
  EXPECT_TRUE(none == Error());
}

TEST(Errors, MakeGivesDistinctValues) {
  Error a = errors::make("boom");
  Error b = errors::make("boom");
  EXPECT_TRUE(a);
  EXPECT_EQ(a.message(), "boom");
  EXPECT_FALSE(a == b) << "== compares identity, as Go compares errors.New values";
  Error copy = a;
  EXPECT_TRUE(copy == a);
}

TEST(Errors, WrapBuildsAMessageChain) {
  Error base = errors::make("disk full");
  Error mid = errors::wrap(base, "writing block 7");
  Error top = errors::wrap(mid, "saving file");
  EXPECT_EQ(top.message(), "saving file: writing block 7: disk full");
  EXPECT_TRUE(errors::is(top, base));
  EXPECT_TRUE(errors::is(top, mid));
  EXPECT_FALSE(errors::is(base, top));
  EXPECT_TRUE(errors::unwrap(top) == mid);
  EXPECT_TRUE(errors::unwrap(base) == Error());
  EXPECT_FALSE(errors::wrap(Error(), "nothing")) << "wrapping no error gives no error";
}

TEST(Errors, IsMatchesSentinels) {
  EXPECT_TRUE(errors::is(kSentinel, kSentinel));
  EXPECT_TRUE(errors::is(errors::wrap(kSentinel, "ctx"), kSentinel));
  EXPECT_FALSE(errors::is(errors::make("sentinel"), kSentinel));
  EXPECT_TRUE(errors::is(Error(), Error()));
  EXPECT_FALSE(errors::is(Error(), kSentinel));
}

TEST(Errors, CustomTypesAndAs) {
  Error e = errors::wrap(Error::from<NotFound>("user 42"), "lookup");
  EXPECT_EQ(e.message(), "lookup: user 42 not found");
  const NotFound* nf = errors::as<NotFound>(e);
  ASSERT_NE(nf, nullptr);
  EXPECT_EQ(nf->what(), "user 42");
  EXPECT_EQ(errors::as<NotFound>(kSentinel), nullptr);
}

TEST(Errors, ContextSentinelsCarryGosMessages) {
  EXPECT_EQ(context::canceled.message(), "context canceled");
  EXPECT_EQ(context::deadline_exceeded.message(), "context deadline exceeded");
  EXPECT_TRUE(context::deadline_exceeded.get()->timeout());
  EXPECT_FALSE(context::canceled.get()->timeout());
  EXPECT_TRUE(errors::wrap(context::deadline_exceeded, "rpc").get()->timeout());
}

TEST(Errors, StaticSentinelsBehaveLikeMadeErrors) {
  const Error s = errors::sentinel("io: closed");
  const Error copy = s;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy, s);
  EXPECT_EQ(copy.message(), "io: closed");
  EXPECT_NE(s, errors::sentinel("io: closed"));  // distinct, as errors.New
  const Error wrapped = errors::wrap(s, "read");
  EXPECT_EQ(wrapped.message(), "read: io: closed");
  EXPECT_TRUE(errors::is(wrapped, s));
  // The context sentinels are static too, and still match through wrapping.
  EXPECT_TRUE(errors::is(errors::wrap(context::canceled, "op"), context::canceled));
}
