// What each role is and may do, as shown on the home page. Keep in step with docs/api.md.
import type { NodeKind, Role } from '@/api/types'

export const ROLE_NAMES: Record<Role, string> = {
  filler: '填报单位',
  reviewer: '审核员',
  center: '火炬中心',
  registry: '技术合同登记机构',
  admin: '系统管理员',
  person: '个人用户',
}

export const LEVEL_NAMES: Record<string, string> = {
  center: '国家级',
  national: '国家级',
  province: '省级',
  city: '地市级',
  zone: '国家高新区',
  registry: '登记机构',
  unit: '填报单位',
}

export const KIND_NAMES: Record<NodeKind, string> = {
  center: '火炬中心',
  province: '省级',
  city: '地市',
  zone: '国家高新区',
  registry: '技术合同登记机构',
  unit: '填报单位',
}

export const UNIT_TYPE_NAMES: Record<string, string> = {
  enterprise: '企业',
  institution: '事业单位',
  zone_admin: '园区管理机构',
  university: '高等院校',
  research: '科研院所',
  other: '其他',
}

export const ROLE_ABILITIES: Record<Role, string[]> = {
  filler: [
    '查看本单位的基本信息与所属园区',
    '在线填报统计调查报表，保存时自动运行审核公式',
    '对核实性审核提示填写说明，并按时上报',
    '查看被退回的报表及审核意见，修改后重新上报',
  ],
  reviewer: [
    '浏览管辖范围内的组织机构与填报单位',
    '审核辖区内单位上报的报表，通过或附意见退回',
    '跟踪辖区上报率，督促未上报单位',
    '审核通过后逐级上报至上级审核单位',
  ],
  center: [
    '浏览全国组织机构：各省、地市、国家高新区与填报单位',
    '开启报告期，发布统计调查制度与报表目录',
    '对各省上报数据进行终审，生成全国汇总表与清单',
    '查看技术合同登记与科技成果登记情况',
  ],
  registry: [
    '浏览本登记机构所辖范围的组织机构',
    '对技术合同进行认定登记，核定合同成交额与技术交易额',
    '发放登记编号与电子登记证明',
  ],
  admin: [
    '维护组织机构树与用户账号',
    '上传与发布报表目录（制度、报表、指标、审核公式）',
    '浏览全部组织机构（仅结构信息，不含填报数据）',
  ],
  person: [
    '以身份证件注册个人账号（如技术经理人）',
    '申请关联所在单位，经单位授权后使用相应业务模块',
    '一次登录即可进入已授权的全部业务模块',
  ],
}
