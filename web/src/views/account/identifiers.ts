// Check characters of the 统一社会信用代码 (GB 32100, with the GB 11714 organisation code inside)
// and the 居民身份证号码 (GB 11643), as src/core/identifiers.cpp computes them: the form names
// the problem before sending, and the server (the judge) gives the same messages.

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

function orgValue(c: string): number {
  if (c >= '0' && c <= '9') return c.charCodeAt(0) - 48
  if (c >= 'A' && c <= 'Z') return c.charCodeAt(0) - 55
  return -1
}

export function usccCheckChar(first17: string): string | null {
  if (first17.length !== 17) return null
  let sum = 0
  for (let i = 0; i < 17; i++) {
    const v = USCC_ALPHABET.indexOf(first17[i])
    if (v < 0) return null
    sum += v * USCC_WEIGHTS[i]
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31]
}

export function orgCodeCheckChar(first8: string): string | null {
  if (first8.length !== 8) return null
  let sum = 0
  for (let i = 0; i < 8; i++) {
    const v = orgValue(first8[i])
    if (v < 0) return null
    sum += v * ORG_WEIGHTS[i]
  }
  const c = 11 - (sum % 11)
  return c === 10 ? 'X' : c === 11 ? '0' : String(c)
}

/** The problem with a USCC in Chinese, or null when it is valid. */
export function usccProblem(code: string): string | null {
  if (code.length !== 18) return `统一社会信用代码应为18位，当前为${code.length}位`
  for (let i = 0; i < code.length; i++) {
    if (!USCC_ALPHABET.includes(code[i])) {
      return `统一社会信用代码第${i + 1}位含有不允许的字符（只允许数字和除I、O、Z、S、V以外的大写字母）`
    }
  }
  if (usccCheckChar(code.slice(0, 17)) !== code[17]) return '统一社会信用代码校验位错误'
  if (orgCodeCheckChar(code.slice(8, 16)) !== code[16]) return '统一社会信用代码中的组织机构代码校验位错误'
  return null
}

/** The problem with an 18-character 居民身份证号码, or null when it is valid. */
export function residentIdProblem(id: string): string | null {
  if (id.length !== 18) return `身份证号码应为18位，当前为${id.length}位`
  if (!/^\d{17}[\dX]$/.test(id)) return '身份证号码前17位应为数字，最后一位为数字或 X'
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * weights[i]
  if ('10X98765432'[sum % 11] !== id[17]) return '身份证号码校验位错误'
  const y = Number(id.slice(6, 10))
  const m = Number(id.slice(10, 12))
  const d = Number(id.slice(12, 14))
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
  if (y < 1880 || m < 1 || m > 12 || d < 1 || d > days[m - 1]) return '身份证号码中的出生日期无效'
  return null
}
