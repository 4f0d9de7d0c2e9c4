// The encoders behind pprof's debug=0 output: protocol-buffer wire format for
// profile.proto, and gzip (proto.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gocxx::pprof_internal {

// Appends protocol-buffer fields (wire types 0 and 2) to a byte string.
class ProtoWriter {
 public:
  void varint(int field, std::uint64_t v);
  void bytes(int field, std::string_view data);
  void packed(int field, const std::vector<std::uint64_t>& values);
  // A nested message: fill `inner`, then append it.
  void message(int field, const ProtoWriter& inner) { bytes(field, inner.out_); }
  const std::string& data() const noexcept { return out_; }

 private:
  void raw_varint(std::uint64_t v);
  std::string out_;
};

// profile.proto's string table: index 0 is "", each distinct string once.
class StringTable {
 public:
  StringTable() { index(""); }
  std::int64_t index(const std::string& s);
  const std::vector<std::string>& strings() const noexcept { return strings_; }

 private:
  std::unordered_map<std::string, std::int64_t> ids_;
  std::vector<std::string> strings_;
};

// data as a gzip member (RFC 1952) whose deflate stream is stored blocks: valid
// for every gzip reader, and profiles are small (docs/decisions.md D36).
std::string gzip_stored(std::string_view data);

}  // namespace gocxx::pprof_internal
