namespace Penguin.Protocol;

/// <summary>An expected failure: a stable code for programs and a message in English and Chinese for people.</summary>
public sealed record Error(string Code, string Message, string MessageZh)
{
    /// <summary>The same code with a more specific text.</summary>
    public Error With(string message, string messageZh) => this with { Message = message, MessageZh = messageZh };
}

/// <summary>Every error code of the protocol (REST and WebSocket alike); docs/protocol.md explains each.</summary>
public static class Errors
{
    public static readonly Error BadJson = new("bad_json", "The frame is not valid JSON.", "消息不是有效的 JSON。");
    public static readonly Error UnknownOp = new("unknown_op", "Unknown operation.", "未知的操作。");
    public static readonly Error BadRequest = new("bad_request", "The request is missing a field or has an invalid value.", "请求缺少字段或含有无效的值。");
    public static readonly Error FrameTooLarge = new("frame_too_large", "The frame is larger than the limit.", "消息超过了大小限制。");
    public static readonly Error NotAuthenticated = new("not_authenticated", "Log in first.", "请先登录。");
    public static readonly Error AlreadyAuthenticated = new("already_authenticated", "This connection is already logged in.", "此连接已经登录。");
    public static readonly Error AuthFailed = new("auth_failed", "Wrong account number or password.", "账号或密码错误。");
    public static readonly Error InvalidToken = new("invalid_token", "The session token is invalid or was revoked.", "会话令牌无效或已被注销。");
    public static readonly Error WrongPassword = new("wrong_password", "The current password is wrong.", "当前密码错误。");
    public static readonly Error AccountDisabled = new("account_disabled", "This account has been disabled by an administrator.", "此账号已被管理员停用。");
    public static readonly Error Throttled = new("throttled", "Too many attempts; try again later.", "尝试次数过多，请稍后再试。");
    public static readonly Error InvalidNickname = new("invalid_nickname", "The nickname must be 1 to 24 characters without control characters.", "昵称须为 1 到 24 个字符，且不能包含控制字符。");
    public static readonly Error InvalidPassword = new("invalid_password", "The password must be 8 to 128 characters.", "密码须为 8 到 128 个字符。");
    public static readonly Error InvalidField = new("invalid_field", "A field has an invalid value.", "字段的值无效。");
    public static readonly Error NotFound = new("not_found", "Not found.", "未找到。");
    public static readonly Error Forbidden = new("forbidden", "You may not do this.", "你无权执行此操作。");
    public static readonly Error NotAccepting = new("not_accepting", "This user does not accept friend requests from you.", "对方不接受你的好友申请。");
    public static readonly Error AlreadyFriends = new("already_friends", "You are already friends.", "你们已经是好友。");
    public static readonly Error NotFriends = new("not_friends", "This user is not your friend.", "对方不是你的好友。");
    public static readonly Error RequestClosed = new("request_closed", "The friend request was already answered.", "该好友申请已处理。");
    public static readonly Error MessageRefused = new("message_refused", "This user does not accept messages from you.", "对方不接受你的消息。");
    public static readonly Error InvalidMessage = new("invalid_message", "The message must be 1 to 5000 characters without control characters.", "消息须为 1 到 5000 个字符，且不能包含控制字符。");
    public static readonly Error RecallExpired = new("recall_expired", "Messages can only be recalled within 2 minutes.", "只能撤回 2 分钟内的消息。");
    public static readonly Error RateLimited = new("rate_limited", "You are sending too fast; slow down.", "发送过快，请稍后再试。");
    public static readonly Error LimitReached = new("limit_reached", "A limit was reached.", "已达到上限。");
    public static readonly Error DefaultGroup = new("default_group", "The default buddy group cannot be deleted.", "默认分组不能删除。");
    public static readonly Error SlowConsumer = new("slow_consumer", "The connection fell behind and was closed; reconnect and sync.", "连接处理过慢已被关闭，请重新连接并同步。");
    public static readonly Error SessionReplaced = new("session_replaced", "This device session connected again elsewhere.", "此设备会话已在别处重新连接。");
    public static readonly Error SessionRevoked = new("session_revoked", "This device was logged out.", "此设备已退出登录。");
    public static readonly Error Unavailable = new("unavailable", "The service is temporarily unavailable; try again shortly.", "服务暂时不可用，请稍后再试。");
    public static readonly Error Internal = new("internal", "Something went wrong on the server.", "服务器内部错误。");

    // Groups
    public static readonly Error NotMember = new("not_member", "You are not a member of this group.", "你不是该群的成员。");
    public static readonly Error AlreadyMember = new("already_member", "Already a member of this group.", "已经是该群的成员。");
    public static readonly Error GroupFull = new("group_full", "The group has reached its member limit.", "该群人数已达上限。");
    public static readonly Error GroupMuted = new("group_muted", "You are muted in this group.", "你在该群中已被禁言。");
    public static readonly Error GroupDissolved = new("group_dissolved", "This group has been dissolved.", "该群已解散。");

    // Chat rooms
    public static readonly Error NotInRoom = new("not_in_room", "Enter the room first.", "请先进入聊天室。");
    public static readonly Error RoomBanned = new("room_banned", "You are banned from this room.", "你已被禁止进入该聊天室。");
}

/// <summary>Error codes of file uploads and downloads (docs/protocol.md, "Files").</summary>
public static class FileErrors
{
    public static readonly Error OffsetMismatch = new("upload_offset_mismatch", "The chunk does not start where the upload stands; resume from the confirmed offset.", "分片的起始位置与已确认的位置不符，请从已确认的位置继续上传。");
    public static readonly Error ChunkHashMismatch = new("chunk_hash_mismatch", "The chunk's SHA-256 does not match its bytes; nothing of it was kept.", "分片的 SHA-256 与内容不符，该分片未保存。");
    public static readonly Error FileHashMismatch = new("file_hash_mismatch", "The uploaded bytes do not match the announced SHA-256; nothing was stored.", "上传内容与声明的 SHA-256 不符，未保存任何内容。");
    public static readonly Error UploadIncomplete = new("upload_incomplete", "Not all bytes have been uploaded yet.", "文件尚未上传完整。");
    public static readonly Error UploadBusy = new("upload_busy", "Another request is sending to this upload; try again shortly.", "另一个请求正在上传此文件，请稍后再试。");
    public static readonly Error FileTooLarge = new("file_too_large", "The file is larger than the limit.", "文件超过大小限制。");
    public static readonly Error QuotaExceeded = new("quota_exceeded", "Your storage quota does not allow this file.", "存储空间不足，无法保存此文件。");
    public static readonly Error TooManyUploads = new("too_many_uploads", "You have too many uploads in progress; finish or cancel one first.", "进行中的上传过多，请先完成或取消一个。");
    public static readonly Error TypeMismatch = new("type_mismatch", "The file's content does not match its declared picture type.", "文件内容与声明的图片类型不符。");
    public static readonly Error FileExpired = new("file_expired", "The file has expired and is no longer kept.", "文件已过期，不再保存。");
    public static readonly Error NotAPicture = new("not_a_picture", "The file's content is not a JPEG, PNG, GIF or WebP picture.", "文件内容不是 JPEG、PNG、GIF 或 WebP 图片。");
    public static readonly Error InvalidFileName = new("invalid_file_name", "The file name must be 1 to 255 characters, without control characters or path separators.", "文件名须为 1 到 255 个字符，且不能包含控制字符或路径分隔符。");
}
