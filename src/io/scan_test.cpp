#include "huoju/io/scan.hpp"

#include <gtest/gtest.h>
#include <png.h>

#include <cstdio>  // jpeglib.h needs FILE
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "src/io/image.hpp"
#include "src/io/test_util.hpp"

// After <cstdio>.
#include <jpeglib.h>

namespace huoju::io {
namespace {

using test_util::Contains;

// A JPEG of a grey image (libjpeg, quality 90).
std::string EncodeJpeg(const internal::GrayImage& image) {
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr err{};
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(image.width);
  cinfo.image_height = static_cast<JDIMENSION>(image.height);
  cinfo.input_components = 1;
  cinfo.in_color_space = JCS_GRAYSCALE;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 90, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    auto* row = reinterpret_cast<JSAMPROW>(const_cast<char*>(image.pixels.data()) +
                                           static_cast<size_t>(cinfo.next_scanline) *
                                               static_cast<size_t>(image.width));
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::string out(reinterpret_cast<char*>(buffer), size);
  jpeg_destroy_compress(&cinfo);
  free(buffer);  // NOLINT(cppcoreguidelines-no-malloc): allocated by jpeg_mem_dest
  return out;
}

uint32_t Crc32(const std::string& bytes, size_t begin, size_t end) {
  uint32_t crc = 0xFFFFFFFFU;
  for (size_t i = begin; i < end; ++i) {
    crc ^= static_cast<unsigned char>(bytes[i]);
    for (int k = 0; k < 8; ++k) {
      crc = (crc >> 1) ^ (0xEDB88320U & (0U - (crc & 1U)));
    }
  }
  return ~crc;
}

void PutBigEndian32(std::string& bytes, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    bytes[at + static_cast<size_t>(i)] = static_cast<char>((v >> (24 - 8 * i)) & 0xFFU);
  }
}

std::string TestPng(const std::string& payload) {
  Result<std::string> png = QrPng(payload, 4);
  EXPECT_TRUE(png.ok()) << png.status().ToString();
  return png.ok() ? png.value() : std::string();
}

std::string TestJpeg(const std::string& payload) {
  Result<internal::GrayImage> image = internal::DecodePng(TestPng(payload));
  EXPECT_TRUE(image.ok()) << image.status().ToString();
  return image.ok() ? EncodeJpeg(image.value()) : std::string();
}

void ExpectCorrupt(const std::string& bytes, const std::string& what) {
  Result<std::vector<std::string>> codes = ReadQrCodes(bytes);
  ASSERT_FALSE(codes.ok()) << what << ": decoded " << codes->size() << " codes";
  EXPECT_EQ(codes.status().code(), ErrorCode::kValidationFailed) << what;
  EXPECT_TRUE(Contains(codes.status().message(), "扫描件")) << what;
}

TEST(ScanSniff, DetectsTypesByMagicBytes) {
  EXPECT_EQ(SniffScanType("%PDF-1.7\n...").value(), ScanType::kPdf);
  EXPECT_EQ(SniffScanType(std::string("\xFF\xD8\xFF\xE0", 4)).value(), ScanType::kJpeg);
  EXPECT_EQ(SniffScanType(TestPng("x")).value(), ScanType::kPng);
  EXPECT_STREQ(ScanMimeType(ScanType::kPdf), "application/pdf");
  EXPECT_STREQ(ScanMimeType(ScanType::kJpeg), "image/jpeg");
  EXPECT_STREQ(ScanMimeType(ScanType::kPng), "image/png");
}

TEST(ScanSniff, RefusesOtherTypes) {
  for (const std::string& bytes : {std::string(), std::string("%PDF"), std::string("GIF89a......"),
                                   std::string("PK\x03\x04 word document"),
                                   std::string("\x89PNG\r\n", 6), std::string("<html>%PDF-1.4")}) {
    Result<ScanType> type = SniffScanType(bytes);
    ASSERT_FALSE(type.ok()) << bytes;
    EXPECT_EQ(type.status().code(), ErrorCode::kValidationFailed);
    EXPECT_EQ(type.status().message(), "扫描件只接受 PDF、JPG、PNG 文件");
  }
}

TEST(QrScan, PngRoundTrip) {
  for (const std::string& payload :
       {std::string("huoju:filing:42:v3:3f9a1c2e"),
        std::string("https://huoju.example.cn/v?f=1024&v=7&h=ab12cd34"),
        std::string("火炬统计 GQ-002 2024年 单位：北京某某科技有限公司"), std::string(300, 'Q')}) {
    Result<std::vector<std::string>> codes = ReadQrCodes(TestPng(payload));
    ASSERT_TRUE(codes.ok()) << codes.status().ToString();
    ASSERT_EQ(codes->size(), 1U) << payload;
    EXPECT_EQ(codes->at(0), payload);
  }
}

TEST(QrScan, JpegRoundTrip) {
  std::string payload = "huoju:filing:7:v1:0123abcd";
  std::string jpeg = TestJpeg(payload);
  ASSERT_EQ(SniffScanType(jpeg).value(), ScanType::kJpeg);
  Result<std::vector<std::string>> codes = ReadQrCodes(jpeg);
  ASSERT_TRUE(codes.ok()) << codes.status().ToString();
  ASSERT_EQ(codes->size(), 1U);
  EXPECT_EQ(codes->at(0), payload);
}

TEST(QrScan, ImageWithoutCodeGivesEmptyList) {
  internal::GrayImage blank;
  blank.width = 300;
  blank.height = 200;
  blank.pixels.assign(300 * 200, '\xF0');
  Result<std::string> png = internal::EncodePng(blank);
  ASSERT_TRUE(png.ok());
  Result<std::vector<std::string>> codes = ReadQrCodes(png.value());
  ASSERT_TRUE(codes.ok()) << codes.status().ToString();
  EXPECT_TRUE(codes->empty());
}

TEST(QrScan, QrPngRefusesBadArguments) {
  EXPECT_FALSE(QrPng("", 4).ok());
  EXPECT_FALSE(QrPng("x", 0).ok());
  EXPECT_FALSE(QrPng(std::string(5000, 'x'), 4).ok());  // beyond QR version 40
}

TEST(QrScan, TruncatedPngIsInvalid) {
  std::string png = TestPng("huoju:filing:1:v1:deadbeef");
  ASSERT_GT(png.size(), 100U);
  // Every cut before the IEND chunk (the last 12 bytes) loses image data or structure.
  for (size_t cut = 0; cut + 12 < png.size(); cut += std::max<size_t>(1, png.size() / 97)) {
    if (cut < 8) {
      continue;  // not even the signature: refused by the sniffer (checked elsewhere)
    }
    ExpectCorrupt(png.substr(0, cut), "PNG cut at " + std::to_string(cut));
  }
}

TEST(QrScan, TruncatedJpegIsInvalid) {
  std::string jpeg = TestJpeg("huoju:filing:1:v1:deadbeef");
  ASSERT_GT(jpeg.size(), 100U);
  for (size_t cut = 3; cut + 2 < jpeg.size(); cut += std::max<size_t>(1, jpeg.size() / 97)) {
    ExpectCorrupt(jpeg.substr(0, cut), "JPEG cut at " + std::to_string(cut));
  }
}

TEST(QrScan, CorruptBytesAfterMagicAreInvalidNotACrash) {
  std::mt19937 rng(20240601);
  std::uniform_int_distribution<int> byte(0, 255);
  for (const std::string& magic : {std::string("%PDF-1.5\n"), std::string("\xFF\xD8\xFF", 3),
                                   std::string("\x89PNG\r\n\x1A\n", 8)}) {
    for (int round = 0; round < 20; ++round) {
      std::string bytes = magic;
      size_t n = 16 + static_cast<size_t>(round) * 97;
      for (size_t i = 0; i < n; ++i) {
        bytes += static_cast<char>(byte(rng));
      }
      ExpectCorrupt(bytes, "random after " + std::to_string(magic.size()) + "-byte magic");
    }
  }
}

TEST(QrScan, FlippedBytesInImagesDoNotCrash) {
  std::mt19937 rng(7);
  for (const std::string& file : {TestPng("huoju:flip"), TestJpeg("huoju:flip")}) {
    std::uniform_int_distribution<size_t> at(8, file.size() - 1);
    for (unsigned round = 0; round < 50; ++round) {
      std::string bytes = file;
      for (int k = 0; k < 4; ++k) {
        size_t i = at(rng);
        bytes[i] = static_cast<char>(static_cast<unsigned char>(bytes[i]) ^ (1U + round % 255U));
      }
      Result<std::vector<std::string>> codes = ReadQrCodes(bytes);
      if (!codes.ok()) {
        EXPECT_EQ(codes.status().code(), ErrorCode::kValidationFailed);
      }
    }
  }
}

TEST(QrScan, RefusesPngClaimingHugeDimensions) {
  std::string png = TestPng("bomb");
  ASSERT_EQ(png.substr(12, 4), "IHDR");
  PutBigEndian32(png, 16, 100000);  // width
  PutBigEndian32(png, 20, 100000);  // height
  PutBigEndian32(png, 29, Crc32(png, 12, 29));
  Result<std::vector<std::string>> codes = ReadQrCodes(png);
  ASSERT_FALSE(codes.ok());
  EXPECT_EQ(codes.status().code(), ErrorCode::kValidationFailed);
  EXPECT_TRUE(Contains(codes.status().message(), "尺寸过大"));
  EXPECT_TRUE(Contains(codes.status().message(), "100000×100000"));

  // Within each side limit but over the pixel budget.
  PutBigEndian32(png, 16, 11000);
  PutBigEndian32(png, 20, 11000);
  PutBigEndian32(png, 29, Crc32(png, 12, 29));
  codes = ReadQrCodes(png);
  ASSERT_FALSE(codes.ok());
  EXPECT_TRUE(Contains(codes.status().message(), "尺寸过大"));
}

TEST(QrScan, RefusesJpegClaimingHugeDimensions) {
  std::string jpeg = TestJpeg("bomb");
  size_t sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  // FF C0, length (2), precision (1), height (2), width (2).
  for (size_t at : {sof + 5, sof + 7}) {
    jpeg[at] = static_cast<char>(60000 >> 8);
    jpeg[at + 1] = static_cast<char>(60000 & 0xFF);
  }
  Result<std::vector<std::string>> codes = ReadQrCodes(jpeg);
  ASSERT_FALSE(codes.ok());
  EXPECT_EQ(codes.status().code(), ErrorCode::kValidationFailed);
  EXPECT_TRUE(Contains(codes.status().message(), "60000×60000"));
}

TEST(QrScan, PngWithAlphaIsReadOnWhitePaper) {
  // A QR code whose light modules are fully transparent black: it only reads when transparency
  // is composed onto white.
  Result<internal::GrayImage> qr = internal::DecodePng(TestPng("alpha"));
  ASSERT_TRUE(qr.ok());
  png_image out{};
  out.version = PNG_IMAGE_VERSION;
  out.width = static_cast<png_uint_32>(qr->width);
  out.height = static_cast<png_uint_32>(qr->height);
  out.format = PNG_FORMAT_GA;
  std::string ga;
  for (char px : qr->pixels) {
    ga += '\0';                        // grey: black
    ga += px == '\0' ? '\xFF' : '\0';  // alpha: opaque only where dark
  }
  png_alloc_size_t size = 0;
  ASSERT_NE(png_image_write_to_memory(&out, nullptr, &size, 0, ga.data(), 0, nullptr), 0);
  std::string png(size, '\0');
  ASSERT_NE(png_image_write_to_memory(&out, png.data(), &size, 0, ga.data(), 0, nullptr), 0);
  png.resize(size);
  Result<std::vector<std::string>> codes = ReadQrCodes(png);
  ASSERT_TRUE(codes.ok()) << codes.status().ToString();
  ASSERT_EQ(codes->size(), 1U);
  EXPECT_EQ(codes->at(0), "alpha");
}

}  // namespace
}  // namespace huoju::io
