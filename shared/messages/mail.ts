/** Mail texts. Part of the one catalogue assembled in shared/i18n.ts. */
export const ru = {
  "mail.code.subject": "Код для входа в Парту",
  "mail.code.text":
    "Здравствуйте!\n\nВаш код для входа в Парту: {code}\n\nКод действует 10 минут. Если вы не запрашивали код, просто проигнорируйте это письмо.\n\n— Парта",
  "mail.adminInvite.subject": "Школа «{school}» подключена к Парте",
  "mail.adminInvite.text":
    "Здравствуйте, {name}!\n\nЗаявка школы «{school}» одобрена. Вы назначены администратором школы.\n\nЧтобы начать, перейдите по ссылке:\n{url}\n\nСсылка действует до {expires}.\n\n— Парта",
  "mail.applicationRejected.subject": "Заявка школы «{school}» отклонена",
  "mail.applicationRejected.text":
    "Здравствуйте, {name}!\n\nК сожалению, заявка школы «{school}» отклонена.\nПричина: {reason}\n\n— Парта",
};

export const en: Record<keyof typeof ru, string> = {
  "mail.code.subject": "Your Parta sign-in code",
  "mail.code.text":
    "Hello!\n\nYour Parta sign-in code: {code}\n\nThe code is valid for 10 minutes. If you did not ask for it, ignore this email.\n\n— Parta",
  "mail.adminInvite.subject": "{school} is now on Parta",
  "mail.adminInvite.text":
    "Hello, {name}!\n\nThe application of {school} is approved, and you are the school's administrator.\n\nTo begin, open this link:\n{url}\n\nThe link is valid until {expires}.\n\n— Parta",
  "mail.applicationRejected.subject": "The application of {school} was declined",
  "mail.applicationRejected.text":
    "Hello, {name}!\n\nUnfortunately, the application of {school} was declined.\nReason: {reason}\n\n— Parta",
};
