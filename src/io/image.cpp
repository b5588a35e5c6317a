// src/io/image.cpp
//
// PNG through libpng's simplified API (it confines its own setjmp), JPEG through libjpeg with
// setjmp/longjmp confined to two small functions whose frames hold only plain C data, so a
// longjmp never skips a C++ destructor. QR codes: libqrencode and zbar.

#include "src/io/image.hpp"

#include <png.h>
#include <qrencode.h>
#include <zbar.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE
#include <memory>
#include <string>

// jpeglib.h must follow <cstdio>.
#include <jerror.h>
#include <jpeglib.h>

namespace huoju::io::internal {

Status CheckImageSize(int64_t width, int64_t height) {
  if (width <= 0 || height <= 0) {
    return CorruptScan();
  }
  if (width > kMaxImageSide || height > kMaxImageSide || width * height > kMaxImagePixels) {
    return Status::Invalid("扫描件图像尺寸过大（" + std::to_string(width) + "×" +
                           std::to_string(height) + " 像素），请以 150–300 dpi 重新扫描后上传");
  }
  return Status::Ok();
}

Status CorruptScan() {
  return Status::Invalid("扫描件文件已损坏或无法读取，请重新扫描后上传");
}

// ---------------------------------------------------------------------------------------------
// PNG

Result<GrayImage> DecodePng(std::string_view bytes) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()) == 0) {
    return CorruptScan();  // the simplified API frees `image` itself on failure
  }
  Status size = CheckImageSize(image.width, image.height);
  if (!size.ok()) {
    png_image_free(&image);
    return size;
  }
  image.format = PNG_FORMAT_GRAY;
  GrayImage out;
  out.width = static_cast<int>(image.width);
  out.height = static_cast<int>(image.height);
  out.pixels.assign(static_cast<size_t>(image.width) * image.height, '\0');
  png_color white{255, 255, 255};  // transparent areas become paper
  if (png_image_finish_read(&image, &white, out.pixels.data(), 0, nullptr) == 0) {
    return CorruptScan();
  }
  return out;
}

Result<std::string> EncodePng(const GrayImage& image) {
  HUOJU_RETURN_IF_ERROR(CheckImageSize(image.width, image.height));
  if (image.pixels.size() != static_cast<size_t>(image.width) * static_cast<size_t>(image.height)) {
    return Status::Internal("PNG 编码：像素数与图像尺寸不符");
  }
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = PNG_FORMAT_GRAY;
  png_alloc_size_t size = 0;
  if (png_image_write_to_memory(&png, nullptr, &size, 0, image.pixels.data(), 0, nullptr) == 0) {
    return Status::Internal("PNG 编码失败");
  }
  std::string out(size, '\0');
  if (png_image_write_to_memory(&png, out.data(), &size, 0, image.pixels.data(), 0, nullptr) == 0) {
    return Status::Internal("PNG 编码失败");
  }
  out.resize(size);
  return out;
}

// ---------------------------------------------------------------------------------------------
// JPEG

namespace {

// Plain C data only: it lives across setjmp/longjmp.
struct JpegErrorManager {
  jpeg_error_mgr pub;  // first member: libjpeg sees a jpeg_error_mgr*
  std::jmp_buf jump;
  bool truncated;
};

struct JpegState {
  jpeg_decompress_struct cinfo;
  JpegErrorManager err;
  bool created;
};

// NOLINTBEGIN(cert-err52-cpp): longjmp is libjpeg's documented error path; the frames it
// unwinds are libjpeg's C frames and JpegReadHeader/JpegDecompress, which hold no C++ objects.
[[noreturn]] void JpegErrorExit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  std::longjmp(err->jump, 1);
}

void JpegEmitMessage(j_common_ptr cinfo, int msg_level) {
  if (msg_level < 0) {  // a warning: corrupt data that libjpeg papered over
    cinfo->err->num_warnings++;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
      reinterpret_cast<JpegErrorManager*>(cinfo->err)->truncated = true;
    }
  }
}

void JpegOutputMessage(j_common_ptr /*cinfo*/) {}

// Reads the header into s->cinfo. False on any libjpeg error.
bool JpegReadHeader(JpegState* s, const unsigned char* data, size_t size) {
  s->cinfo.err = jpeg_std_error(&s->err.pub);
  s->err.pub.error_exit = JpegErrorExit;
  s->err.pub.emit_message = JpegEmitMessage;
  s->err.pub.output_message = JpegOutputMessage;
  s->err.truncated = false;
  if (setjmp(s->err.jump) != 0) {
    return false;
  }
  jpeg_create_decompress(&s->cinfo);
  s->created = true;
  jpeg_mem_src(&s->cinfo, data, static_cast<unsigned long>(size));
  return jpeg_read_header(&s->cinfo, TRUE) == JPEG_HEADER_OK;
}

// Decodes into `out` (width × height grey bytes); `scratch` holds one row of width × 4 bytes.
bool JpegDecompress(JpegState* s, unsigned char* out, unsigned char* scratch) {
  if (setjmp(s->err.jump) != 0) {
    return false;
  }
  jpeg_decompress_struct* c = &s->cinfo;
  bool cmyk = c->jpeg_color_space == JCS_CMYK || c->jpeg_color_space == JCS_YCCK;
  c->out_color_space = cmyk ? JCS_CMYK : JCS_GRAYSCALE;
  jpeg_start_decompress(c);
  size_t width = c->output_width;
  while (c->output_scanline < c->output_height) {
    unsigned char* dest = out + static_cast<size_t>(c->output_scanline) * width;
    JSAMPROW row = cmyk ? scratch : dest;
    if (jpeg_read_scanlines(c, &row, 1) != 1) {
      return false;
    }
    if (cmyk) {  // Adobe CMYK JPEGs store inverted inks: value 255 means no ink
      for (size_t x = 0; x < width; ++x) {
        unsigned k = scratch[x * 4 + 3];
        unsigned r = scratch[x * 4] * k / 255;
        unsigned g = scratch[x * 4 + 1] * k / 255;
        unsigned b = scratch[x * 4 + 2] * k / 255;
        dest[x] = static_cast<unsigned char>((299 * r + 587 * g + 114 * b) / 1000);
      }
    }
  }
  jpeg_finish_decompress(c);
  return true;
}
// NOLINTEND(cert-err52-cpp)

}  // namespace

Result<GrayImage> DecodeJpeg(std::string_view bytes) {
  auto state = std::make_unique<JpegState>();
  state->created = false;
  struct Destroy {
    JpegState* s;
    ~Destroy() {
      if (s->created) {
        jpeg_destroy_decompress(&s->cinfo);
      }
    }
  } destroy{state.get()};

  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  if (!JpegReadHeader(state.get(), data, bytes.size())) {
    return CorruptScan();
  }
  HUOJU_RETURN_IF_ERROR(CheckImageSize(state->cinfo.image_width, state->cinfo.image_height));
  GrayImage out;
  out.width = static_cast<int>(state->cinfo.image_width);
  out.height = static_cast<int>(state->cinfo.image_height);
  out.pixels.assign(static_cast<size_t>(out.width) * static_cast<size_t>(out.height), '\xff');
  std::string scratch(static_cast<size_t>(out.width) * 4, '\0');
  if (!JpegDecompress(state.get(), reinterpret_cast<unsigned char*>(out.pixels.data()),
                      reinterpret_cast<unsigned char*>(scratch.data())) ||
      state->err.truncated) {
    return CorruptScan();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// QR codes

Result<QrMatrix> EncodeQr(const std::string& payload) {
  if (payload.empty()) {
    return Status::Invalid("二维码内容为空");
  }
  QRcode* code =
      QRcode_encodeData(static_cast<int>(payload.size()),
                        reinterpret_cast<const unsigned char*>(payload.data()), 0, QR_ECLEVEL_M);
  if (code == nullptr) {
    return Status::Invalid("二维码内容过长，无法编码");
  }
  QrMatrix m;
  m.size = code->width;
  size_t n = static_cast<size_t>(code->width) * static_cast<size_t>(code->width);
  m.dark.resize(n);
  for (size_t i = 0; i < n; ++i) {
    m.dark[i] = (code->data[i] & 1U) != 0;
  }
  QRcode_free(code);
  return m;
}

std::vector<std::string> ScanQr(const GrayImage& image) {
  std::vector<std::string> found;
  if (image.width <= 0 || image.height <= 0) {
    return found;
  }
  zbar::zbar_image_scanner_t* scanner = zbar::zbar_image_scanner_create();
  zbar::zbar_image_scanner_set_config(scanner, zbar::ZBAR_NONE, zbar::ZBAR_CFG_ENABLE, 0);
  zbar::zbar_image_scanner_set_config(scanner, zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_ENABLE, 1);
  zbar::zbar_image_scanner_set_config(scanner, zbar::ZBAR_QRCODE, zbar::ZBAR_CFG_BINARY, 1);
  zbar::zbar_image_t* zimage = zbar::zbar_image_create();
  zbar::zbar_image_set_format(zimage, zbar_fourcc('Y', '8', '0', '0'));
  zbar::zbar_image_set_size(zimage, static_cast<unsigned>(image.width),
                            static_cast<unsigned>(image.height));
  zbar::zbar_image_set_data(zimage, image.pixels.data(), image.pixels.size(), nullptr);
  if (zbar::zbar_scan_image(scanner, zimage) > 0) {
    for (const zbar::zbar_symbol_t* sym = zbar::zbar_image_first_symbol(zimage); sym != nullptr;
         sym = zbar::zbar_symbol_next(sym)) {
      found.emplace_back(zbar::zbar_symbol_get_data(sym), zbar::zbar_symbol_get_data_length(sym));
    }
  }
  zbar::zbar_image_destroy(zimage);
  zbar::zbar_image_scanner_destroy(scanner);
  return found;
}

}  // namespace huoju::io::internal
