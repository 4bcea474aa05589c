/** Page chrome, sign-in, invites, profile, school applications and errors. */
export const ru = {
  "app.name": "Парта",
  "nav.label": "Основное меню",
  "nav.skip": "Перейти к содержимому",
  "nav.chats": "Чаты",
  "nav.admin": "Управление школой",
  "nav.operator": "Заявки школ",
  "nav.profile": "Профиль",
  "nav.journal": "Электронный журнал",

  "common.loading": "Загрузка…",
  "common.save": "Сохранить",
  "common.saved": "Сохранено",
  "common.cancel": "Отмена",
  "common.close": "Закрыть",
  "common.retry": "Повторить",
  "common.back": "Назад",
  "common.offline": "Нет соединения с интернетом",
  "common.offlineHint": "Парта покажет новые сообщения, как только связь вернётся.",

  "error.generic": "Что-то пошло не так. Попробуйте ещё раз.",
  "error.network": "Нет связи с сервером. Проверьте подключение к интернету.",
  "error.rate_limited": "Слишком много попыток. Подождите {seconds} с и попробуйте снова.",
  "error.invalid_code": "Код неверный или устарел.",
  "error.invalid_input": "Проверьте введённые данные.",
  "error.forbidden": "Это действие вам недоступно.",
  "error.csrf":
    "Сервер не принял запрос: Парта открыта не по своему адресу. Откройте её по адресу, который указан при запуске (APP_ORIGIN), и попробуйте снова.",
  "error.not_found": "Не найдено.",
  "error.unauthenticated": "Войдите, чтобы продолжить.",
  "error.invite_expired": "Приглашение больше не действует.",
  "error.conflict": "Не получилось: данные изменились. Обновите страницу.",
  "error.mail_unavailable": "Не удалось отправить письмо. Попробуйте позже.",
  "error.too_large": "Слишком большой объём.",
  "error.overloaded": "Сервер сейчас перегружен. Попробуйте через несколько секунд.",
  "error.unavailable": "Сервер перезапускается. Попробуйте через несколько секунд.",
  "error.call_ended": "Звонок уже завершён.",
  "error.calls_unavailable": "Сервер звонков не отвечает. Попробуйте через минуту.",
  "error.forbidden.banned":
    "Администратор исключил вас из этой школы. Вернуться по приглашению можно, только когда он это разрешит, — обратитесь к администратору школы.",
  "error.forbidden.chat_banned":
    "Модератор удалил вас из этого чата, поэтому ссылка для вас не действует. Попросите модератора добавить вас снова.",
  "error.forbidden.class_only":
    "Этот чат только для своего класса. Если вы из этого класса, попросите учителя добавить вас.",
  "error.conflict.roles":
    "Ученик не может быть в той же школе ещё и родителем, учителем или администратором, поэтому это приглашение вам не подходит. Если это ошибка, обратитесь к администратору школы.",
  "error.conflict.own_child":
    "В этом приглашении ребёнком указаны вы сами. Попросите у учителя правильную ссылку.",
  "error.conflict.child_gone":
    "Ученик, указанный в этом приглашении, больше не учится в этой школе. Попросите у учителя новую ссылку.",
  "error.invalid_input.badge":
    "Имя не должно выглядеть как отметка: уберите галочки (✓) и слова вроде «(учитель)» или «(администратор)».",
  "error.invalid_input.lookalike":
    "Такое имя похоже на имя учителя или администратора школы. Выберите другое — например, добавьте фамилию.",

  "signin.title": "Вход",
  "signin.lead": "Введите адрес электронной почты — мы пришлём код для входа.",
  "signin.email": "Электронная почта",
  "signin.sendCode": "Получить код",
  "signin.codeSent": "Мы отправили код на {email}.",
  "signin.code": "Код из письма",
  "signin.verify": "Войти",
  "signin.otherEmail": "Другой адрес",
  "signin.resend": "Отправить код ещё раз",
  "signin.sso": "Войти через единый вход",
  "signin.ssoFailed": "Не удалось войти через единый вход. Попробуйте ещё раз или войдите по коду.",
  "signin.or": "или",
  "signin.noJs": "Для входа включите JavaScript в браузере.",

  "home.title": "Парта — общение школы",
  "home.lead":
    "Закрытое пространство школы: чаты классов, личные сообщения, школьный канал, файлы, опросы и видеоуроки.",
  "home.signin": "Войти",
  "home.apply": "Подключить школу",

  "invite.title": "Приглашение",
  "invite.to": "Вас приглашают в «{org}»",
  "invite.role": "Роль: {role}",
  "invite.class": "Класс: {class}",
  "invite.chat": "Чат: {chat}",
  "invite.expires": "Действует до {date}",
  "invite.gone":
    "Это приглашение больше не действует: срок истёк, места закончились или его отозвали. Попросите новую ссылку.",
  "invite.unknown": "Такого приглашения нет. Проверьте ссылку.",
  "invite.signinFirst": "Чтобы принять приглашение, войдите.",
  "invite.nameLabel": "Как вас называть",
  "invite.nameHint": "Имя и фамилия — их увидят в школе.",
  "invite.accept": "Принять приглашение",
  "invite.accepted": "Готово! Вы в «{org}».",
  "invite.open": "Перейти к чатам",
  "invite.renameFirst":
    "Ваше имя похоже на имя учителя или администратора этой школы или на отметку «учитель». Смените имя в профиле и откройте приглашение снова.",
  "invite.toProfile": "Сменить имя в профиле",

  "role.admin": "администратор",
  "role.teacher": "учитель",
  "role.student": "ученик",
  "role.parent": "родитель",
  "role.verified": "Проверенный учитель",

  "profile.title": "Профиль",
  "profile.name": "Имя",
  "profile.email": "Электронная почта",
  "profile.language": "Язык",
  "profile.signout": "Выйти",
  "profile.schools": "Мои школы",
  "profile.noSchools":
    "Вы пока не состоите ни в одной школе. Попросите у школы ссылку-приглашение.",

  "apply.title": "Подключить школу",
  "apply.lead":
    "Заполните заявку. После проверки администратор школы получит письмо со ссылкой для входа.",
  "apply.schoolName": "Название школы",
  "apply.region": "Регион",
  "apply.adminName": "ФИО администратора",
  "apply.adminEmail": "Электронная почта администратора",
  "apply.adminPhone": "Телефон администратора",
  "apply.submit": "Отправить заявку",
  "apply.sent": "Заявка отправлена. Мы напишем на {email}, когда её рассмотрят.",

  "operator.title": "Заявки школ",
  "operator.empty": "Новых заявок нет.",
  "operator.approve": "Одобрить",
  "operator.reject": "Отклонить",
  "operator.reason": "Причина отказа",
  "operator.approved": "Школа создана. Приглашение администратору отправлено: {url}",
  "operator.rejected": "Заявка отклонена.",
  "operator.applicant": "{name}, {email}, {phone}",
  "operator.region": "Регион: {region}",

  "offline.title": "Нет соединения",
  "notfound.title": "Страница не найдена",
  "notfound.text": "Такой страницы нет. Вернитесь на главную.",
};

export const en: Record<keyof typeof ru, string> = {
  "app.name": "Parta",
  "nav.label": "Main menu",
  "nav.skip": "Skip to content",
  "nav.chats": "Chats",
  "nav.admin": "School admin",
  "nav.operator": "School applications",
  "nav.profile": "Profile",
  "nav.journal": "Gradebook",

  "common.loading": "Loading…",
  "common.save": "Save",
  "common.saved": "Saved",
  "common.cancel": "Cancel",
  "common.close": "Close",
  "common.retry": "Retry",
  "common.back": "Back",
  "common.offline": "No internet connection",
  "common.offlineHint": "Parta will show new messages as soon as you are back online.",

  "error.generic": "Something went wrong. Please try again.",
  "error.network": "Cannot reach the server. Check your internet connection.",
  "error.rate_limited": "Too many attempts. Wait {seconds} s and try again.",
  "error.invalid_code": "The code is wrong or has expired.",
  "error.invalid_input": "Please check what you entered.",
  "error.forbidden": "You cannot do this.",
  "error.csrf":
    "The server refused the request: Parta is open at another address than its own. Open it at the address shown when it started (APP_ORIGIN) and try again.",
  "error.not_found": "Not found.",
  "error.unauthenticated": "Sign in to continue.",
  "error.invite_expired": "This invite is no longer valid.",
  "error.conflict": "That did not work: something changed. Reload the page.",
  "error.mail_unavailable": "Could not send the email. Try again later.",
  "error.too_large": "Too large.",
  "error.overloaded": "The server is busy right now. Try again in a few seconds.",
  "error.unavailable": "The server is restarting. Try again in a few seconds.",
  "error.call_ended": "The call has already ended.",
  "error.calls_unavailable": "The call server is not answering. Try again in a minute.",
  "error.forbidden.banned":
    "An admin removed you from this school. You can come back through an invite only once they allow it — ask the school's admin.",
  "error.forbidden.chat_banned":
    "A moderator removed you from this chat, so its link does not work for you. Ask a moderator to add you again.",
  "error.forbidden.class_only":
    "This chat is for its class only. If you are in that class, ask the teacher to add you.",
  "error.conflict.roles":
    "A student cannot also be a parent, teacher or admin in the same school, so this invite is not for you. If this is a mistake, ask the school's admin.",
  "error.conflict.own_child":
    "This invite names you as the child. Ask the teacher for the right link.",
  "error.conflict.child_gone":
    "The pupil this invite names no longer studies at this school. Ask the teacher for a new link.",
  "error.invalid_input.badge":
    "A name must not look like a badge: remove check marks (✓) and words such as “(teacher)” or “(admin)”.",
  "error.invalid_input.lookalike":
    "This name looks like the name of a teacher or admin of the school. Choose another — add your surname, for example.",

  "signin.title": "Sign in",
  "signin.lead": "Enter your email address and we will send you a sign-in code.",
  "signin.email": "Email",
  "signin.sendCode": "Send code",
  "signin.codeSent": "We sent a code to {email}.",
  "signin.code": "Code from the email",
  "signin.verify": "Sign in",
  "signin.otherEmail": "Use another address",
  "signin.resend": "Send the code again",
  "signin.sso": "Sign in with single sign-on",
  "signin.ssoFailed": "Single sign-on did not work. Try again or sign in with a code.",
  "signin.or": "or",
  "signin.noJs": "Turn on JavaScript in your browser to sign in.",

  "home.title": "Parta — school communication",
  "home.lead":
    "A closed space for your school: class chats, direct messages, the school channel, files, polls and video lessons.",
  "home.signin": "Sign in",
  "home.apply": "Bring your school",

  "invite.title": "Invitation",
  "invite.to": "You are invited to {org}",
  "invite.role": "Role: {role}",
  "invite.class": "Class: {class}",
  "invite.chat": "Chat: {chat}",
  "invite.expires": "Valid until {date}",
  "invite.gone":
    "This invite is no longer valid: it expired, is used up or was revoked. Ask for a new link.",
  "invite.unknown": "There is no such invite. Check the link.",
  "invite.signinFirst": "Sign in to accept the invite.",
  "invite.nameLabel": "Your name",
  "invite.nameHint": "First and last name, as the school will see it.",
  "invite.accept": "Accept the invite",
  "invite.accepted": "Done! You are in {org}.",
  "invite.open": "Go to chats",
  "invite.renameFirst":
    "Your name looks like the name of a teacher or admin of this school, or like a badge. Change your name in your profile, then open the invite again.",
  "invite.toProfile": "Change your name in the profile",

  "role.admin": "administrator",
  "role.teacher": "teacher",
  "role.student": "student",
  "role.parent": "parent",
  "role.verified": "Verified teacher",

  "profile.title": "Profile",
  "profile.name": "Name",
  "profile.email": "Email",
  "profile.language": "Language",
  "profile.signout": "Sign out",
  "profile.schools": "My schools",
  "profile.noSchools": "You are not in any school yet. Ask your school for an invite link.",

  "apply.title": "Bring your school",
  "apply.lead":
    "Fill in the application. Once it is checked, the school's administrator gets an email with a sign-in link.",
  "apply.schoolName": "School name",
  "apply.region": "Region",
  "apply.adminName": "Administrator's full name",
  "apply.adminEmail": "Administrator's email",
  "apply.adminPhone": "Administrator's phone",
  "apply.submit": "Send application",
  "apply.sent": "Application sent. We will write to {email} once it is reviewed.",

  "operator.title": "School applications",
  "operator.empty": "No new applications.",
  "operator.approve": "Approve",
  "operator.reject": "Decline",
  "operator.reason": "Reason for declining",
  "operator.approved": "School created. The administrator's invite was sent: {url}",
  "operator.rejected": "Application declined.",
  "operator.applicant": "{name}, {email}, {phone}",
  "operator.region": "Region: {region}",

  "offline.title": "No connection",
  "notfound.title": "Page not found",
  "notfound.text": "There is no such page. Go back to the start page.",
};
