// huoju/io/scan.hpp
//
// Signed and stamped scans: content-type detection by magic bytes (never by file name or the
// client's header) and reading the binding QR code back from the uploaded file. Blocking CPU
// work: call from worker threads. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "huoju/core/status.hpp"

namespace huoju::io {

enum class ScanType { kPdf, kJpeg, kPng };

const char* ScanMimeType(ScanType type);  ///< application/pdf, image/jpeg, image/png

/// The type of `bytes` by content; InvalidArgument (Chinese message) when it is none of
/// PDF/JPEG/PNG or is truncated.
Result<ScanType> SniffScanType(std::string_view bytes);

/// Every QR code found in the scan: in the image (PNG/JPEG), or on each page of a PDF rendered
/// at a resolution fit for decoding (at most `max_pages` pages). Image dimensions are bounded
/// (decompression bombs are refused with InvalidArgument). Empty vector: no code found.
/// Failures are Status::Invalid (ErrorCode::kValidationFailed) with a Chinese message meant for
/// the uploader: not PDF/JPEG/PNG, truncated or corrupt ("扫描件文件已损坏或无法读取…"), a PDF
/// with an open password, or more than 12000 pixels a side / 100 million pixels.
Result<std::vector<std::string>> ReadQrCodes(std::string_view bytes, int max_pages = 10);

/// A PNG of `payload` as a QR code (for tests and for printing).
Result<std::string> QrPng(const std::string& payload, int module_pixels = 4);

}  // namespace huoju::io
