/** Strings of calls, lessons and meetings; part of the one catalogue assembled in shared/i18n.ts. */
export const ru = {
  "call.kind.call": "Звонок",
  "call.kind.lesson": "Онлайн-урок",
  "call.kind.meeting": "Собрание",
  "call.inChat": "Чат «{chat}»",
  "call.startedAt": "Начался {date}",
  "call.backToChat": "Вернуться в чат",

  "call.ended.title": "Звонок завершён",
  "call.ended.duration": "Длительность: {duration}",
  "call.duration.hm": "{h} ч {m} мин",
  "call.duration.m": "{m} мин",
  "call.duration.lessThanMinute": "меньше минуты",

  "call.unconfigured.title": "Видеозвонки не настроены",
  "call.unconfigured.text":
    "К этому серверу Парты не подключён сервер видеозвонков LiveKit, поэтому к звонку нельзя присоединиться. Сообщите администратору: в настройках сервера нужно задать LIVEKIT_URL, LIVEKIT_API_KEY и LIVEKIT_API_SECRET.",

  "call.attendance.title": "Посещаемость",
  "call.attendance.csv": "Скачать посещаемость (CSV)",
  "call.attendance.summary": "Были на звонке: {present} из {total}",
  "call.attendance.person": "Участник",
  "call.attendance.roles": "Роль",
  "call.attendance.present": "Был(а)",
  "call.attendance.minutes": "Минут",
  "call.attendance.yes": "да",
  "call.attendance.no": "нет",
  "call.attendance.refresh": "Обновить",
  "call.attendance.loading": "Загружаем посещаемость…",

  "call.prejoin.title": "Проверьте камеру и микрофон",
  "call.prejoin.lead": "Вас увидят и услышат только после того, как вы присоединитесь.",
  "call.prejoin.preview": "Ваша камера",
  "call.prejoin.cameraOff": "Камера выключена",
  "call.prejoin.noCamera": "Камера недоступна",
  "call.prejoin.starting": "Включаем камеру…",
  "call.prejoin.cameraDevice": "Камера",
  "call.prejoin.micDevice": "Микрофон",
  "call.prejoin.join": "Присоединиться",
  "call.prejoin.joinListenOnly": "Присоединиться без камеры и микрофона",
  "call.prejoin.retry": "Попробовать снова",
  "call.prejoin.checkAgain": "Проверить снова",
  "call.prejoin.device": "Устройство {n}",

  "call.media.denied":
    "Браузер не дал доступ к камере и микрофону. Разрешите его в настройках сайта (значок слева от адреса) и нажмите «Проверить снова» — или присоединяйтесь, чтобы только смотреть и слушать.",
  "call.media.cameraDenied":
    "Браузер не дал доступ к камере. Разрешите его в настройках сайта или присоединяйтесь без видео.",
  "call.media.micDenied":
    "Браузер не дал доступ к микрофону. Разрешите его в настройках сайта или присоединяйтесь без звука — вас не услышат, но вы будете слышать других.",
  "call.media.missing":
    "Камера и микрофон не найдены. Подключите их и нажмите «Проверить снова» — или присоединяйтесь, чтобы только смотреть и слушать.",
  "call.media.cameraMissing": "Камера не найдена. Можно присоединиться без видео.",
  "call.media.micMissing":
    "Микрофон не найден. Можно присоединиться без звука — вас не услышат, но вы будете слышать других.",
  "call.media.busy":
    "Камера или микрофон заняты другой программой. Закройте её и нажмите «Проверить снова».",
  "call.media.insecure":
    "Браузер даёт доступ к камере и микрофону только на защищённом адресе (https). Можно присоединиться, чтобы только смотреть и слушать.",
  "call.media.failed": "Не удалось включить камеру или микрофон.",
  "call.media.screenFailed": "Не удалось показать экран.",

  "call.connecting": "Подключаемся к звонку…",
  "call.unavailable":
    "Звонки не настроены на этом сервере: не подключён сервер видеозвонков LiveKit. Сообщите администратору школы.",
  "call.unreachable":
    "Не удаётся связаться с сервером звонков. Возможно, он выключен или недоступен из вашей сети. Попробуйте ещё раз через минуту; если не поможет — сообщите администратору школы.",
  "call.notAllowed":
    "Сервер звонков не принял подключение. Попробуйте ещё раз; если не поможет — сообщите администратору школы.",
  "call.reconnecting": "Связь со звонком прервалась. Переподключаемся…",
  "call.reconnected": "Связь восстановлена",
  "call.lost": "Связь со звонком потеряна.",
  "call.rejoin": "Подключиться снова",
  "call.removed": "Ведущий удалил вас из звонка.",
  "call.duplicate": "Вы подключились к этому звонку в другой вкладке или на другом устройстве.",
  "call.left": "Вы вышли из звонка.",
  "call.returnToCall": "Вернуться в звонок",
  "call.joinedYou": "Вы в звонке",
  "call.audioBlocked": "Браузер приостановил звук звонка.",
  "call.audioStart": "Включить звук",

  "call.announce.joined": "В звонке: {name}",
  "call.announce.left": "Вышел(а) из звонка: {name}",
  "call.announce.hand": "Поднял(а) руку: {name}",
  "call.announce.handDown": "Опустил(а) руку: {name}",
  "call.announce.yourHandLowered": "Ведущий опустил вашу руку",
  "call.announce.mutedByHost": "Ведущий выключил ваш микрофон",

  "call.grid": "Видео участников",
  "call.controls": "Управление звонком",
  "call.mic": "Микрофон",
  "call.camera": "Камера",
  "call.screen": "Показать экран",
  "call.hand": "Поднять руку",
  "call.leave": "Выйти",
  "call.participants": "Участники ({n})",
  "call.you": "вы",
  "call.host": "ведущий",
  "call.verified": "проверенный",
  "call.speaking": "говорит",
  "call.handRaised": "рука поднята",
  "call.micOff": "микрофон выключен",
  "call.screenOf": "Экран: {name}",
  "call.unnamed": "Участник",
  "call.unknown": "Неизвестный участник",

  "call.hostTools": "Для ведущего",
  "call.muteOne": "Выключить микрофон",
  "call.muteOneLabel": "Выключить микрофон: {name}",
  "call.removeOne": "Удалить",
  "call.removeOneLabel": "Удалить из звонка: {name}",
  "call.removeConfirm": "Удалить {name} из звонка?",
  "call.removeYes": "Удалить",
  "call.lowerHands": "Опустить все руки",
  "call.endAll": "Завершить для всех",
  "call.endConfirm":
    "Завершить звонок для всех участников? Присоединиться к нему снова будет нельзя.",
  "call.endYes": "Завершить звонок",
};

export const en: Record<keyof typeof ru, string> = {
  "call.kind.call": "Call",
  "call.kind.lesson": "Online lesson",
  "call.kind.meeting": "Meeting",
  "call.inChat": "Chat “{chat}”",
  "call.startedAt": "Started {date}",
  "call.backToChat": "Back to the chat",

  "call.ended.title": "The call has ended",
  "call.ended.duration": "Duration: {duration}",
  "call.duration.hm": "{h} h {m} min",
  "call.duration.m": "{m} min",
  "call.duration.lessThanMinute": "less than a minute",

  "call.unconfigured.title": "Video calls are not set up",
  "call.unconfigured.text":
    "This Parta server has no LiveKit video call server connected, so the call cannot be joined. Tell the administrator: the server needs LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET.",

  "call.attendance.title": "Attendance",
  "call.attendance.csv": "Download attendance (CSV)",
  "call.attendance.summary": "Attended: {present} of {total}",
  "call.attendance.person": "Person",
  "call.attendance.roles": "Role",
  "call.attendance.present": "Attended",
  "call.attendance.minutes": "Minutes",
  "call.attendance.yes": "yes",
  "call.attendance.no": "no",
  "call.attendance.refresh": "Refresh",
  "call.attendance.loading": "Loading attendance…",

  "call.prejoin.title": "Check your camera and microphone",
  "call.prejoin.lead": "Nobody sees or hears you until you join.",
  "call.prejoin.preview": "Your camera",
  "call.prejoin.cameraOff": "Camera is off",
  "call.prejoin.noCamera": "No camera available",
  "call.prejoin.starting": "Starting the camera…",
  "call.prejoin.cameraDevice": "Camera",
  "call.prejoin.micDevice": "Microphone",
  "call.prejoin.join": "Join",
  "call.prejoin.joinListenOnly": "Join without camera and microphone",
  "call.prejoin.retry": "Try again",
  "call.prejoin.checkAgain": "Check again",
  "call.prejoin.device": "Device {n}",

  "call.media.denied":
    "The browser refused access to the camera and microphone. Allow it in the site settings (the icon left of the address) and press “Check again” — or join to watch and listen only.",
  "call.media.cameraDenied":
    "The browser refused access to the camera. Allow it in the site settings or join without video.",
  "call.media.micDenied":
    "The browser refused access to the microphone. Allow it in the site settings or join without sound — others will not hear you, but you will hear them.",
  "call.media.missing":
    "No camera or microphone was found. Connect them and press “Check again” — or join to watch and listen only.",
  "call.media.cameraMissing": "No camera was found. You can join without video.",
  "call.media.micMissing":
    "No microphone was found. You can join without sound — others will not hear you, but you will hear them.",
  "call.media.busy":
    "The camera or microphone is in use by another program. Close it and press “Check again”.",
  "call.media.insecure":
    "The browser allows the camera and microphone only on a secure (https) address. You can join to watch and listen only.",
  "call.media.failed": "The camera or microphone could not be started.",
  "call.media.screenFailed": "Your screen could not be shared.",

  "call.connecting": "Joining the call…",
  "call.unavailable":
    "Calls are not set up on this server: no LiveKit video call server is connected. Tell your school's administrator.",
  "call.unreachable":
    "The call server cannot be reached. It may be down or blocked on your network. Try again in a minute; if that does not help, tell your school's administrator.",
  "call.notAllowed":
    "The call server refused the connection. Try again; if that does not help, tell your school's administrator.",
  "call.reconnecting": "The connection to the call dropped. Reconnecting…",
  "call.reconnected": "Connection restored",
  "call.lost": "The connection to the call was lost.",
  "call.rejoin": "Reconnect",
  "call.removed": "A host removed you from the call.",
  "call.duplicate": "You joined this call in another tab or on another device.",
  "call.left": "You left the call.",
  "call.returnToCall": "Return to the call",
  "call.joinedYou": "You are in the call",
  "call.audioBlocked": "The browser paused the call's sound.",
  "call.audioStart": "Turn sound on",

  "call.announce.joined": "Joined: {name}",
  "call.announce.left": "Left the call: {name}",
  "call.announce.hand": "Raised a hand: {name}",
  "call.announce.handDown": "Lowered a hand: {name}",
  "call.announce.yourHandLowered": "A host lowered your hand",
  "call.announce.mutedByHost": "A host turned your microphone off",

  "call.grid": "Participants' video",
  "call.controls": "Call controls",
  "call.mic": "Microphone",
  "call.camera": "Camera",
  "call.screen": "Share screen",
  "call.hand": "Raise hand",
  "call.leave": "Leave",
  "call.participants": "Participants ({n})",
  "call.you": "you",
  "call.host": "host",
  "call.verified": "verified",
  "call.speaking": "speaking",
  "call.handRaised": "hand raised",
  "call.micOff": "microphone off",
  "call.screenOf": "Screen: {name}",
  "call.unnamed": "Participant",
  "call.unknown": "Unknown participant",

  "call.hostTools": "Host tools",
  "call.muteOne": "Mute",
  "call.muteOneLabel": "Mute the microphone of {name}",
  "call.removeOne": "Remove",
  "call.removeOneLabel": "Remove from the call: {name}",
  "call.removeConfirm": "Remove {name} from the call?",
  "call.removeYes": "Remove",
  "call.lowerHands": "Lower all hands",
  "call.endAll": "End for everyone",
  "call.endConfirm": "End the call for everyone? Nobody will be able to join it again.",
  "call.endYes": "End the call",
};
