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
  tabGroups: 'Groups', myGroups: 'My groups', noGroups: 'No groups yet. Create one or join one by its number.',
  createGroup: 'Create a group', newGroupName: 'Group name', joinPolicy: 'Who can join',
  policy_open: 'Anyone joins at once', policy_approval: 'An admin approves requests', policy_invite: 'Invited people only',
  groupCreated: 'Group {name} created, number {id}.',
  joinGroup: 'Join a group', groupNumber: 'Group number', joinMessage: 'Message to the admins', join: 'Join',
  joinedGroup: 'You joined {name}.', joinPending: 'Request sent to {name}: waiting for an admin.', joinRefused: 'Your request to join {name} was refused.',
  groupNumberInvalid: 'Enter a group number (digits).',
  groupRequests: 'Join requests', wantsToJoin: '{name} wants to join {group}', approve: 'Approve', refuse: 'Refuse', noGroupRequests: 'No join requests.',
  invitedTo: '{name} invited you to {group}',
  groupChat: 'Group chat {name}', groupNumberLabel: 'Group {id}', memberCount: '{count} members',
  mentionedMe: '[Someone @mentioned you]', groupPreview: '{name}: {text}',
  announcement: 'Announcement', editAnnouncement: 'Edit announcement', noAnnouncement: 'No announcement.',
  members: 'Members', showMembers: 'Show members', hideMembers: 'Hide members',
  role_owner: 'Owner', role_admin: 'Admin', role_member: 'Member',
  mutedUntil: 'Muted until {time}', kick: 'Remove from group', mute10: 'Mute 10 min', unmute: 'Unmute',
  makeAdmin: 'Make admin', removeAdmin: 'Remove admin', muteAll: 'Mute everyone', unmuteAll: 'Unmute everyone',
  mutedAllNotice: 'Everyone is muted: only admins can speak.', youAreMuted: 'You are muted until {time}.',
  confirmKick: 'Remove {name} from the group?', confirmLeave: 'Leave {name}?', confirmDissolve: 'Dissolve {name}? This cannot be undone.',
  leaveGroup: 'Leave group', dissolveGroup: 'Dissolve group', memberActions: 'Actions for {name}',
  myCard: 'My group card', setCard: 'Set card',
  readCount: '{read}/{members} read', readCountTitle: 'Read by {read} of {members}: refresh',
  mentionAll: 'all', mentionAllLabel: 'Everyone (@all)', mentionSuggestions: 'People to mention',
  groupLeft_left: 'You left this group.', groupLeft_kicked: 'You were removed from this group.', groupLeft_dissolved: 'This group was dissolved.',
  groupSettings: 'Group settings', notifyMode: 'Notifications', notify_notify: 'Notify', notify_silent: 'Silent', notify_block: 'Block',
  recalledInGroup: '{name} recalled a message',
  attach: 'Attach a file or picture', uploading: 'Uploading {name}: {percent}%', uploadFailed: 'Upload of {name} failed: {message}',
  resume: 'Resume', dropHere: 'Drop files to send', download: 'Download {name}', picture: 'Picture {name}', voice: 'Voice message {name}',
  rooms: 'Chat rooms', roomName: 'Room name', roomTopic: 'Topic', createRoom: 'Create a room', enterRoom: 'Enter', noRooms: 'No rooms yet.',
  roomPeople: '{count} inside', roomChat: 'Chat room {name}', leaveRoom: 'Leave room', roomOut_kicked: 'A moderator put you out of this room.',
  roomOut_banned: 'You are banned from this room.', roomOut_left: 'You left this room.', roomLive: 'Only what is said while you are inside is shown.',
  voiceClip: 'Voice {duration}', playVoice: 'Play voice message ({duration})', pauseVoice: 'Pause voice message', voicePreview: '[Voice] {duration}',
  inviteFriend: 'Invite a friend', inviteWho: 'Friend to invite', invite: 'Invite', invited: 'Invitation sent to {name}.', noOneToInvite: 'All your friends are in this group.',
  transferOwner: 'Make owner', confirmTransfer: 'Make {name} the owner of {group}? You become a plain member.',
  joinPolicyOf: 'Who may join', policySaved: 'Join policy saved.', moderators: 'Moderators', peopleInside: 'People inside',
  roomKick: 'Put out', roomBan: 'Ban', roomUnban: 'Lift ban', confirmRoomBan: 'Ban {name} from this room?', bans: 'Banned', noBans: 'Nobody is banned.',
  moderator: 'Moderator', peopleActions: 'Actions for {name}',
  picturePreview: '[Picture]', filePreview: '[File] {name}', cancelUpload: 'Cancel upload', uploadPaused: 'Upload of {name} paused at {percent}%',
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
  tabGroups: '群聊', myGroups: '我的群', noGroups: '还没有群。创建一个，或按群号加入。',
  createGroup: '创建群', newGroupName: '群名称', joinPolicy: '加群方式',
  policy_open: '允许任何人直接加入', policy_approval: '需要管理员验证', policy_invite: '仅限邀请',
  groupCreated: '群“{name}”已创建，群号 {id}。',
  joinGroup: '加入群', groupNumber: '群号', joinMessage: '验证信息', join: '加入',
  joinedGroup: '你已加入“{name}”。', joinPending: '已向“{name}”发送申请，等待管理员验证。', joinRefused: '加入“{name}”的申请被拒绝了。',
  groupNumberInvalid: '请输入群号（数字）。',
  groupRequests: '加群申请', wantsToJoin: '{name} 申请加入“{group}”', approve: '同意', refuse: '拒绝', noGroupRequests: '没有加群申请。',
  invitedTo: '{name} 邀请你加入“{group}”',
  groupChat: '群聊 {name}', groupNumberLabel: '群号 {id}', memberCount: '{count} 人',
  mentionedMe: '[有人@我]', groupPreview: '{name}：{text}',
  announcement: '群公告', editAnnouncement: '编辑群公告', noAnnouncement: '暂无群公告。',
  members: '群成员', showMembers: '显示群成员', hideMembers: '隐藏群成员',
  role_owner: '群主', role_admin: '管理员', role_member: '成员',
  mutedUntil: '禁言至 {time}', kick: '移出本群', mute10: '禁言 10 分钟', unmute: '解除禁言',
  makeAdmin: '设为管理员', removeAdmin: '取消管理员', muteAll: '全员禁言', unmuteAll: '解除全员禁言',
  mutedAllNotice: '全员禁言中：只有管理员可以发言。', youAreMuted: '你已被禁言，至 {time}。',
  confirmKick: '确定将 {name} 移出本群？', confirmLeave: '确定退出“{name}”？', confirmDissolve: '确定解散“{name}”？解散后无法恢复。',
  leaveGroup: '退出群聊', dissolveGroup: '解散群', memberActions: '{name} 的操作',
  myCard: '我的群名片', setCard: '修改群名片',
  readCount: '{read}/{members} 已读', readCountTitle: '{members} 人中 {read} 人已读：点击刷新',
  mentionAll: '全体成员', mentionAllLabel: '全体成员（@全体成员）', mentionSuggestions: '选择要@的人',
  groupLeft_left: '你已退出本群。', groupLeft_kicked: '你已被移出本群。', groupLeft_dissolved: '本群已解散。',
  groupSettings: '群设置', notifyMode: '消息提醒', notify_notify: '接收并提醒', notify_silent: '接收不提醒', notify_block: '屏蔽群消息',
  recalledInGroup: '{name} 撤回了一条消息',
  attach: '发送文件或图片', uploading: '正在上传 {name}：{percent}%', uploadFailed: '{name} 上传失败：{message}',
  resume: '继续上传', dropHere: '松开即可发送文件', download: '下载 {name}', picture: '图片 {name}', voice: '语音消息 {name}',
  rooms: '聊天室', roomName: '聊天室名称', roomTopic: '话题', createRoom: '创建聊天室', enterRoom: '进入', noRooms: '还没有聊天室。',
  roomPeople: '{count} 人在线', roomChat: '聊天室 {name}', leaveRoom: '离开聊天室', roomOut_kicked: '你已被管理员请出聊天室。',
  roomOut_banned: '你已被禁止进入此聊天室。', roomOut_left: '你已离开此聊天室。', roomLive: '只显示你在聊天室时的发言。',
  voiceClip: '语音 {duration}', playVoice: '播放语音消息（{duration}）', pauseVoice: '暂停语音消息', voicePreview: '[语音] {duration}',
  inviteFriend: '邀请好友入群', inviteWho: '要邀请的好友', invite: '邀请', invited: '已邀请 {name}。', noOneToInvite: '你的好友都已在本群。',
  transferOwner: '转让群主', confirmTransfer: '把 {group} 的群主转让给 {name}？你将成为普通成员。',
  joinPolicyOf: '加群方式', policySaved: '加群方式已保存。', moderators: '管理员', peopleInside: '在线的人',
  roomKick: '请出', roomBan: '禁止进入', roomUnban: '解除禁止', confirmRoomBan: '禁止 {name} 进入此聊天室？', bans: '已禁止', noBans: '没有被禁止的人。',
  moderator: '管理员', peopleActions: '{name} 的操作',
  picturePreview: '[图片]', filePreview: '[文件] {name}', cancelUpload: '取消上传', uploadPaused: '{name} 上传暂停于 {percent}%',
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
