import assert from "node:assert/strict";
import { ApiError, errorText } from "./api_client.ts";

Deno.test("error texts name what happened, in the reader's language", () => {
  const busy = new ApiError(503, "overloaded", "The server is busy; try again");
  assert.equal(
    errorText("ru", busy),
    "Сервер сейчас перегружен. Попробуйте через несколько секунд.",
  );
  assert.equal(
    errorText("en", new ApiError(503, "unavailable", "shutting down")),
    "The server is restarting. Try again in a few seconds.",
  );
  assert.equal(
    errorText("ru", new ApiError(429, "rate_limited", "slow down", undefined, 3)),
    "Слишком много попыток. Подождите 3 с и попробуйте снова.",
  );
  assert.equal(
    errorText("ru", new ApiError(418, "no_such_code", "?")),
    "Что-то пошло не так. Попробуйте ещё раз.",
  );
});
