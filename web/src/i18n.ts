import { createContext, useContext } from 'react';

export type Lang = 'zh' | 'en';

const en = {
  appName: 'Penguin',
  language: 'Language',
  login: 'Log in', register: 'Register', logout: 'Log out',
  number: 'Account number', password: 'Password', nickname: 'Nickname',
  newAccount: 'Create an account', haveAccount: 'I have an account',
  registered: 'Your account number is {number}. Remember it: you log in with it.',
  loginTitle: 'Log in to Penguin', registerTitle: 'Create a Penguin account',
  numberInvalid: 'Enter your account number (digits).',
  connecting: 'Connecting…', reconnecting: 'Connection lost — reconnecting…', online: 'Connected',
  sessionEnded: 'You were logged out: {reason}',
  status: 'Status',
  status_online: 'Online', status_away: 'Away', status_busy: 'Busy', status_dnd: 'Do not disturb',
  status_invisible: 'Invisible', status_offline: 'Offline',
  device_pc: 'PC', device_mobile: 'Phone', device_web: 'Web',
  signature: 'Signature', noSignature: 'No signature yet', editSignature: 'Edit signature', save: 'Save', cancel: 'Cancel',
  tabs: 'Main panel', tabFriends: 'Friends', tabChats: 'Chats', tabRequests: 'Requests', tabMe: 'Me',
  buddyList: 'Buddy list', groupCount: '{name} ({online}/{total})', expand: 'Expand {name}', collapse: 'Collapse {name}',
  noFriends: 'No friends yet. Search for someone to add.',
  addFriend: 'Add friend', searchPeople: 'Search by number or nickname', search: 'Search',
  requestMessage: 'Message with the request', sendRequest: 'Send request',
  requestSent: 'Request sent to {name}.', nowFriends: 'You and {name} are now friends.',
  alreadyFriend: 'Friend', you: 'You', noResults: 'Nothing found.',
  requests: 'Friend requests', incoming: 'Received', outgoing: 'Sent', noRequests: 'No pending requests.',
  accept: 'Accept', decline: 'Decline', pending: 'Waiting', accepted: 'Accepted', declined: 'Declined',
  conversations: 'Conversations', noConversations: 'No conversations yet. Open a friend to start one.',
  unreadCount: '{count} unread', recalledPreview: '[recalled]', draftPreview: '[sending] {text}',
  chatWith: 'Chat with {name}', back: 'Back', messageInput: 'Message', send: 'Send',
  emoji: 'Emoji', pickEmoji: 'Insert {emoji}',
  typing: '{name} is typing…',
  state_sending: 'Sending', state_failed: 'Not sent', state_sent: 'Sent', state_delivered: 'Delivered', state_read: 'Read',
  retry: 'Retry', discard: 'Discard',
  recall: 'Recall', deleteForMe: 'Delete for me', recalledByMe: 'You recalled a message', recalledByPeer: '{name} recalled a message',
  messageActions: 'Actions for this message',
  loadingOlder: 'Loading earlier messages…', beginning: 'Beginning of the conversation',
  searchMessages: 'Search messages', searchHere: 'Search in this chat', searchAll: 'Search all chats', close: 'Close',
  results: '{count} results', moreResults: 'More matches exist: narrow the search.',
  profile: 'Profile', remark: 'Remark', setRemark: 'Set remark', block: 'Block', unblock: 'Unblock',
  blocked: 'Blocked users', noBlocked: 'Nobody is blocked.', removeFriend: 'Remove friend',
  confirmBlock: 'Block {name}? They will no longer be your friend and cannot message you.',
  confirmRemove: 'Remove {name} from your friends?',
  devices: 'My devices', thisDevice: 'this device', endSession: 'Log out this device', lastSeen: 'Last seen {time}',
  refresh: 'Refresh', numberLabel: 'No. {number}', error: 'Error: {message}', offlineQueued: 'Will be sent when the connection is back',
  friendActions: 'Actions for {name}', openChat: 'Send message', stranger: 'Stranger',
  devicesOnline: 'Online on: {devices}', useHere: 'Use here',
  newGroup: 'New group', groupName: 'Group name', create: 'Create', rename: 'Rename', deleteGroup: 'Delete group',
  notifications: 'New messages', desktopNotifications: 'Desktop notifications', sound: 'Sound',
  notificationsDenied: 'The browser does not allow notifications for this page.',
  groupActions: 'Actions for group {name}', moveToGroup: 'Move to group', confirmDeleteGroup: 'Delete the group {name}? Its friends move to the default group.',
};

export type Key = keyof typeof en;

const zh: Record<Key, string> = {
  appName: '企鹅',
  language: '语言',
  login: '登录', register: '注册', logout: '退出登录',
  number: '号码', password: '密码', nickname: '昵称',
  newAccount: '注册新账号', haveAccount: '已有账号，去登录',
  registered: '你的号码是 {number}，请记住它：登录时要用。',
  loginTitle: '登录企鹅', registerTitle: '注册企鹅账号',
  numberInvalid: '请输入你的号码（数字）。',
  connecting: '正在连接……', reconnecting: '连接已断开，正在重新连接……', online: '已连接',
  sessionEnded: '你已退出登录：{reason}',
  status: '状态',
  status_online: '在线', status_away: '离开', status_busy: '忙碌', status_dnd: '请勿打扰',
  status_invisible: '隐身', status_offline: '离线',
  device_pc: '电脑', device_mobile: '手机', device_web: '网页',
  signature: '个性签名', noSignature: '还没有个性签名', editSignature: '编辑个性签名', save: '保存', cancel: '取消',
  tabs: '主面板', tabFriends: '好友', tabChats: '会话', tabRequests: '验证消息', tabMe: '我',
  buddyList: '好友列表', groupCount: '{name} ({online}/{total})', expand: '展开{name}', collapse: '收起{name}',
  noFriends: '还没有好友，搜索一下添加吧。',
  addFriend: '加好友', searchPeople: '按号码或昵称搜索', search: '搜索',
  requestMessage: '验证信息', sendRequest: '发送申请',
  requestSent: '已向 {name} 发送好友申请。', nowFriends: '你和 {name} 已经是好友了。',
  alreadyFriend: '好友', you: '你自己', noResults: '没有找到。',
  requests: '好友申请', incoming: '收到的', outgoing: '发出的', noRequests: '没有待处理的申请。',
  accept: '同意', decline: '拒绝', pending: '等待验证', accepted: '已同意', declined: '已拒绝',
  conversations: '会话', noConversations: '还没有会话。打开一位好友开始聊天吧。',
  unreadCount: '{count} 条未读', recalledPreview: '[已撤回]', draftPreview: '[发送中] {text}',
  chatWith: '与 {name} 聊天', back: '返回', messageInput: '消息', send: '发送',
  emoji: '表情', pickEmoji: '插入 {emoji}',
  typing: '{name} 正在输入……',
  state_sending: '发送中', state_failed: '发送失败', state_sent: '已发送', state_delivered: '已送达', state_read: '已读',
  retry: '重试', discard: '放弃',
  recall: '撤回', deleteForMe: '删除', recalledByMe: '你撤回了一条消息', recalledByPeer: '{name} 撤回了一条消息',
  messageActions: '消息操作',
  loadingOlder: '正在加载更早的消息……', beginning: '已经是最早的消息',
  searchMessages: '搜索消息', searchHere: '在此会话中搜索', searchAll: '搜索全部会话', close: '关闭',
  results: '{count} 条结果', moreResults: '还有更多结果，请缩小搜索范围。',
  profile: '资料', remark: '备注', setRemark: '修改备注', block: '拉黑', unblock: '取消拉黑',
  blocked: '黑名单', noBlocked: '黑名单为空。', removeFriend: '删除好友',
  confirmBlock: '确定拉黑 {name}？对方将不再是你的好友，也无法给你发消息。',
  confirmRemove: '确定删除好友 {name}？',
  devices: '我的设备', thisDevice: '本设备', endSession: '下线此设备', lastSeen: '最近在线 {time}',
  refresh: '刷新', numberLabel: '号码 {number}', error: '出错了：{message}', offlineQueued: '连接恢复后发送',
  friendActions: '{name} 的操作', openChat: '发消息', stranger: '陌生人',
  devicesOnline: '在线设备：{devices}', useHere: '在此使用',
  newGroup: '新建分组', groupName: '分组名称', create: '创建', rename: '重命名', deleteGroup: '删除分组',
  notifications: '新消息提醒', desktopNotifications: '桌面通知', sound: '提示音',
  notificationsDenied: '浏览器不允许此页面发送通知。',
  groupActions: '分组“{name}”的操作', moveToGroup: '移动到分组', confirmDeleteGroup: '确定删除分组“{name}”？其中的好友将移到默认分组。',
};

export const dictionaries: Record<Lang, Record<Key, string>> = { en, zh };

export function detectLanguage(saved: string | null, browser: readonly string[]): Lang {
  if (saved === 'zh' || saved === 'en') return saved;
  for (const l of browser) {
    const lower = l.toLowerCase();
    if (lower.startsWith('zh')) return 'zh';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export type Translate = (key: Key, params?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const dict = dictionaries[lang];
  return (key, params) => {
    let text = dict[key] ?? en[key] ?? key;
    if (params) for (const [k, v] of Object.entries(params)) text = text.split(`{${k}}`).join(String(v));
    return text;
  };
}

export interface I18n { lang: Lang; t: Translate; setLang(lang: Lang): void }
export const I18nContext = createContext<I18n>({ lang: 'en', t: translator('en'), setLang: () => {} });
export const useI18n = () => useContext(I18nContext);

/** A server error in the page's language. */
export function errorText(lang: Lang, e: { message: string; messageZh?: string; body?: { message: string; messageZh: string } }): string {
  const body = e.body ?? e;
  return lang === 'zh' ? body.messageZh ?? body.message : body.message;
}
