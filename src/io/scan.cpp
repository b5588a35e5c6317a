// src/io/scan.cpp
//
// Uploaded scans: sniffing the type by magic bytes, and reading QR codes back from PNG, JPEG
// and PDF (each page rendered in grey by poppler-cpp, then zbar).

#include "huoju/io/scan.hpp"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>

#include "src/io/image.hpp"

namespace huoju::io {

namespace {

constexpr std::string_view kPdfMagic = "%PDF-";
constexpr std::string_view kJpegMagic = "\xFF\xD8\xFF";
constexpr std::string_view kPngMagic = "\x89PNG\r\n\x1A\n";

// Resolutions tried per PDF page: most prints decode at the first, small or blurred codes at
// the second.
constexpr double kPdfDpi[] = {150.0, 300.0};
// Pixels of one rendered page at most (a hostile MediaBox must not allocate gigabytes).
constexpr double kMaxPagePixels = 40'000'000.0;

void SilencePoppler() {
  static std::once_flag once;
  std::call_once(once, [] {
    poppler::set_debug_error_function([](const std::string& /*msg*/, void* /*closure*/) {},
                                      nullptr);
  });
}

// A PDF must end with %%EOF (allowing trailing whitespace or a little junk); poppler repairs
// truncated files silently, so this is how a cut-off upload is told apart.
bool HasPdfTrailer(std::string_view bytes) {
  size_t tail = std::min<size_t>(bytes.size(), 2048);
  return bytes.substr(bytes.size() - tail).find("%%EOF") != std::string_view::npos;
}

Result<internal::GrayImage> RenderPdfPage(const poppler::page& page, double dpi) {
  poppler::rectf box = page.page_rect();
  double w_pt = std::abs(box.width());
  double h_pt = std::abs(box.height());
  if (!(w_pt > 0) || !(h_pt > 0)) {
    return internal::CorruptScan();
  }
  double pixels = (w_pt * dpi / 72.0) * (h_pt * dpi / 72.0);
  if (pixels > kMaxPagePixels) {
    dpi *= std::sqrt(kMaxPagePixels / pixels);
  }
  poppler::page_renderer renderer;
  renderer.set_image_format(poppler::image::format_gray8);
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  renderer.set_paper_color(0xffffffff);
  poppler::image img = renderer.render_page(&page, dpi, dpi);
  if (!img.is_valid() || img.format() != poppler::image::format_gray8) {
    return internal::CorruptScan();
  }
  HUOJU_RETURN_IF_ERROR(internal::CheckImageSize(img.width(), img.height()));
  internal::GrayImage out;
  out.width = img.width();
  out.height = img.height();
  auto w = static_cast<size_t>(out.width);
  out.pixels.resize(w * static_cast<size_t>(out.height));
  const char* src = img.const_data();
  auto stride = static_cast<size_t>(img.bytes_per_row());
  for (size_t y = 0; y < static_cast<size_t>(out.height); ++y) {
    std::copy_n(src + y * stride, w, out.pixels.data() + y * w);
  }
  return out;
}

Result<std::vector<std::string>> ReadPdfQrCodes(std::string_view bytes, int max_pages) {
  if (!HasPdfTrailer(bytes) ||
      bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return internal::CorruptScan();
  }
  SilencePoppler();
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (doc == nullptr) {
    return internal::CorruptScan();
  }
  if (doc->is_locked()) {
    return Status::Invalid("扫描件 PDF 设有打开密码，请上传未加密的文件");
  }
  int pages = std::min(doc->pages(), std::max(max_pages, 0));
  if (doc->pages() <= 0) {
    return internal::CorruptScan();
  }
  std::vector<std::string> found;
  for (int i = 0; i < pages; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (page == nullptr) {
      return internal::CorruptScan();
    }
    for (double dpi : kPdfDpi) {
      HUOJU_ASSIGN_OR_RETURN(internal::GrayImage image, RenderPdfPage(*page, dpi));
      std::vector<std::string> codes = internal::ScanQr(image);
      if (!codes.empty()) {
        found.insert(found.end(), codes.begin(), codes.end());
        break;
      }
    }
  }
  return found;
}

}  // namespace

const char* ScanMimeType(ScanType type) {
  switch (type) {
    case ScanType::kPdf:
      return "application/pdf";
    case ScanType::kJpeg:
      return "image/jpeg";
    case ScanType::kPng:
      return "image/png";
  }
  return "application/octet-stream";
}

Result<ScanType> SniffScanType(std::string_view bytes) {
  if (bytes.starts_with(kPdfMagic)) {
    return ScanType::kPdf;
  }
  if (bytes.starts_with(kJpegMagic)) {
    return ScanType::kJpeg;
  }
  if (bytes.starts_with(kPngMagic)) {
    return ScanType::kPng;
  }
  return Status::Invalid("扫描件只接受 PDF、JPG、PNG 文件");
}

Result<std::vector<std::string>> ReadQrCodes(std::string_view bytes, int max_pages) {
  HUOJU_ASSIGN_OR_RETURN(ScanType type, SniffScanType(bytes));
  try {
    switch (type) {
      case ScanType::kPdf:
        return ReadPdfQrCodes(bytes, max_pages);
      case ScanType::kJpeg: {
        HUOJU_ASSIGN_OR_RETURN(internal::GrayImage image, internal::DecodeJpeg(bytes));
        return internal::ScanQr(image);
      }
      case ScanType::kPng: {
        HUOJU_ASSIGN_OR_RETURN(internal::GrayImage image, internal::DecodePng(bytes));
        return internal::ScanQr(image);
      }
    }
  } catch (const std::bad_alloc&) {
    return Status::Invalid("扫描件过大，无法读取");
  } catch (const std::exception&) {
    return internal::CorruptScan();
  }
  return internal::CorruptScan();
}

Result<std::string> QrPng(const std::string& payload, int module_pixels) {
  if (module_pixels < 1 || module_pixels > 64) {
    return Status::Invalid("二维码模块像素数应在 1 到 64 之间");
  }
  HUOJU_ASSIGN_OR_RETURN(internal::QrMatrix qr, internal::EncodeQr(payload));
  int modules = qr.size + 2 * internal::kQrQuietModules;
  internal::GrayImage image;
  image.width = modules * module_pixels;
  image.height = image.width;
  auto side = static_cast<size_t>(image.width);
  auto pixels = static_cast<size_t>(module_pixels);
  image.pixels.assign(side * side, '\xff');
  for (int y = 0; y < qr.size; ++y) {
    for (int x = 0; x < qr.size; ++x) {
      if (!qr.At(x, y)) {
        continue;
      }
      size_t px = static_cast<size_t>(x + internal::kQrQuietModules) * pixels;
      size_t py = static_cast<size_t>(y + internal::kQrQuietModules) * pixels;
      for (size_t dy = 0; dy < pixels; ++dy) {
        std::fill_n(image.pixels.data() + (py + dy) * side + px, pixels, '\0');
      }
    }
  }
  return internal::EncodePng(image);
}

}  // namespace huoju::io
