#include "proto.hpp"

#include <array>

namespace gocxx::pprof_internal {

void ProtoWriter::raw_varint(std::uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void ProtoWriter::varint(int field, std::uint64_t v) {
  raw_varint(static_cast<std::uint64_t>(field) << 3);  // wire type 0
  raw_varint(v);
}

void ProtoWriter::bytes(int field, std::string_view data) {
  raw_varint((static_cast<std::uint64_t>(field) << 3) | 2);
  raw_varint(data.size());
  out_.append(data);
}

void ProtoWriter::packed(int field, const std::vector<std::uint64_t>& values) {
  if (values.empty()) return;
  ProtoWriter inner;
  for (std::uint64_t v : values) inner.raw_varint(v);
  bytes(field, inner.out_);
}

std::int64_t StringTable::index(const std::string& s) {
  auto [it, inserted] = ids_.emplace(s, static_cast<std::int64_t>(strings_.size()));
  if (inserted) strings_.push_back(s);
  return it->second;
}

namespace {

std::uint32_t crc32(std::string_view data) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xffffffffu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

void put_le32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

std::string gzip_stored(std::string_view data) {
  std::string out;
  out.reserve(data.size() + data.size() / 65535 * 5 + 32);
  // ID1 ID2, CM=deflate, no flags, no mtime, no extra flags, OS unknown.
  out.append("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  std::size_t pos = 0;
  do {
    std::size_t n = std::min<std::size_t>(data.size() - pos, 65535);
    bool last = pos + n == data.size();
    out.push_back(static_cast<char>(last ? 1 : 0));  // BFINAL, BTYPE=00 (stored)
    out.push_back(static_cast<char>(n & 0xff));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(~n & 0xff));
    out.push_back(static_cast<char>((~n >> 8) & 0xff));
    out.append(data.substr(pos, n));
    pos += n;
  } while (pos < data.size());
  put_le32(out, crc32(data));
  put_le32(out, static_cast<std::uint32_t>(data.size()));
  return out;
}

}  // namespace gocxx::pprof_internal
