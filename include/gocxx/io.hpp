// Go's io package: the Reader and Writer shapes, their sentinel errors, and the
// helpers that loop over them.
//
//   auto [n, err] = io::read_full(conn, header);     // io.ReadFull
//   if (err == io::eof) ...                          // nothing came at all
//   auto [body, err2] = io::read_all(conn);          // io.ReadAll: eof is not an error
//   io::copy(dst, src);                              // io.Copy, 32 KiB at a time
//
// A Reader is anything with `io::Result read(std::span<char>)`; a Writer anything
// with `io::Result write(std::string_view)` (net::Conn is both). As in Go, read
// returns {n > 0, no error}, or {0, io::eof} at the end (io::eof itself, never
// wrapped), or {n, err}; write returns {data.size(), no error} or {n, err}.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "gocxx/errors.hpp"

namespace gocxx::io {

// What a read or a write did: bytes transferred, and why it stopped short.
struct Result {
  std::size_t n = 0;
  Error err;
};

extern const Error eof;                 // "EOF" (io.EOF)
extern const Error err_unexpected_eof;  // "unexpected EOF" (io.ErrUnexpectedEOF)
extern const Error err_short_write;     // "short write" (io.ErrShortWrite)

template <class R>
concept Reader = requires(R& r, std::span<char> buf) {
  { r.read(buf) } -> std::same_as<Result>;
};
template <class W>
concept Writer = requires(W& w, std::string_view data) {
  { w.write(data) } -> std::same_as<Result>;
};

// io.ReadFull: reads until buf is full. {buf.size(), no error}; if the reader ends
// after some bytes, {n, err_unexpected_eof}; before any, {0, eof}; any other error
// as it is.
template <class R>
requires Reader<std::remove_reference_t<R>> Result read_full(R&& r, std::span<char> buf) {
  std::size_t n = 0;
  while (n < buf.size()) {
    Result part = r.read(buf.subspan(n));
    n += part.n;
    if (part.err) {
      if (n == buf.size()) return {n, Error()};
      if (part.err == eof) return {n, n == 0 ? eof : err_unexpected_eof};
      return {n, part.err};
    }
  }
  return {n, Error()};
}

// io.ReadAll: everything up to eof (which is not an error), or what came before
// another error, with it.
template <class R>
requires Reader<std::remove_reference_t<R>> std::pair<std::string, Error> read_all(R&& r) {
  std::string data;
  std::size_t len = 0;
  data.resize(512);
  for (;;) {
    if (len == data.size()) data.resize(data.size() * 2);
    Result part = r.read(std::span<char>(data.data() + len, data.size() - len));
    len += part.n;
    if (part.err) {
      data.resize(len);
      if (part.err == eof) return {std::move(data), Error()};
      return {std::move(data), part.err};
    }
  }
}

// io.Copy: reads src and writes every piece to dst until eof (not an error) or an
// error. n counts the bytes dst accepted; a write that accepts fewer bytes without
// an error ends the copy with err_short_write.
template <class W, class R>
requires Writer<std::remove_reference_t<W>> && Reader<std::remove_reference_t<R>> Result
copy(W&& dst, R&& src) {
  std::vector<char> buf(32 * 1024);
  std::size_t total = 0;
  for (;;) {
    Result in = src.read(std::span<char>(buf.data(), buf.size()));
    if (in.n > 0) {
      Result out = dst.write(std::string_view(buf.data(), in.n));
      total += out.n;
      if (out.err) return {total, out.err};
      if (out.n != in.n) return {total, err_short_write};
    }
    if (in.err) return {total, in.err == eof ? Error() : in.err};
  }
}

}  // namespace gocxx::io
