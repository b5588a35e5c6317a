// src/io/image.hpp
//
// Internal to the io module: 8-bit grey images, PNG/JPEG codecs (libpng, libjpeg) with bounded
// dimensions, and QR codes (libqrencode to draw, zbar to read). No exceptions; a corrupt or
// hostile input is a Status::Invalid with a Chinese message. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "huoju/core/status.hpp"

namespace huoju::io::internal {

/// Largest side and pixel count of an image we decode or render (decompression bombs).
inline constexpr int64_t kMaxImageSide = 12000;
inline constexpr int64_t kMaxImagePixels = 100'000'000;

/// One byte per pixel (0 = black, 255 = white), rows top to bottom without padding.
struct GrayImage {
  int width = 0;
  int height = 0;
  std::string pixels;
};

/// Invalid (Chinese message) when `width`×`height` is empty or beyond the limits above.
Status CheckImageSize(int64_t width, int64_t height);

/// The message for a file that is truncated or corrupt.
Status CorruptScan();

Result<GrayImage> DecodePng(std::string_view bytes);
Result<GrayImage> DecodeJpeg(std::string_view bytes);
Result<std::string> EncodePng(const GrayImage& image);

/// A QR code as modules (no quiet zone): `dark[y * size + x]`.
struct QrMatrix {
  int size = 0;
  std::vector<bool> dark;
  bool At(int x, int y) const {
    return dark[static_cast<size_t>(y) * static_cast<size_t>(size) + static_cast<size_t>(x)];
  }
};

/// Modules of the smallest QR code (error correction level M, 8-bit mode) holding `payload`.
Result<QrMatrix> EncodeQr(const std::string& payload);

/// Quiet zone drawn around a QR code, in modules (ISO/IEC 18004 asks for 4).
inline constexpr int kQrQuietModules = 4;

/// Payloads of every QR code zbar finds in `image`, raw bytes (no charset conversion).
std::vector<std::string> ScanQr(const GrayImage& image);

}  // namespace huoju::io::internal
