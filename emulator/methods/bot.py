"""Bot-level methods: identity, updates, webhook, chat info, menu button, session."""
from __future__ import annotations

from typing import Any

from emulator.errors import ApiError, bad_request
from emulator.methods.registry import method
from emulator.params import Params
from emulator.state import GroupInfo, World

NANOSTARS = 10**9  # in a Star
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)


@method("getMe")
def get_me(world: World, params: Params) -> dict[str, Any]:
    return {
        **world.bot_json(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("getMyStarBalance")
def get_my_star_balance(world: World, params: Params) -> dict[str, Any]:
    """The bot's Stars as a StarAmount: whole Stars and nanostars, both truncated toward zero."""
    amount = int(world.stars_balance)
    return {"amount": amount, "nanostar_amount": int((world.stars_balance - amount) * NANOSTARS)}


@method("getUpdates")
async def get_updates(world: World, params: Params) -> list[dict[str, Any]]:
    if world.webhook["url"]:
        raise ApiError(409, WEBHOOK_CONFLICT)
    limit = min(max(params.int("limit", 100) or 100, 1), 100)
    timeout = max(params.int("timeout", 0) or 0, 0)
    return await world.updates.get(params.int("offset"), limit, timeout, params.json("allowed_updates"))


@method("setWebhook")
def set_webhook(world: World, params: Params) -> bool:
    url = params.str("url", "") or ""
    if url and not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if params.bool("drop_pending_updates"):
        world.updates.clear()
    world.webhook = {"url": url, "allowed_updates": params.json("allowed_updates"),
                     "secret_token": params.str("secret_token", "") or ""}
    world.updates.changed.set()  # the webhook pusher starts delivering
    return True


@method("deleteWebhook")
def delete_webhook(world: World, params: Params) -> bool:
    if params.bool("drop_pending_updates"):
        world.updates.clear()
    world.webhook = {"url": ""}
    return True


@method("getWebhookInfo")
def get_webhook_info(world: World, params: Params) -> dict[str, Any]:
    info: dict[str, Any] = {
        "url": world.webhook["url"],
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates.pending),
    }
    if world.webhook["url"]:
        info["max_connections"] = 40
        if world.webhook.get("allowed_updates"):
            info["allowed_updates"] = world.webhook["allowed_updates"]
    return info


@method("close", "logOut")
def close(world: World, params: Params) -> bool:
    return True


@method("getChat")
def get_chat(world: World, params: Params) -> dict[str, Any]:
    chat = world.chat(params.values.get("chat_id"), allow_blocked=True)
    return {
        **chat.user.chat_json(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
            "premium_subscription": False, "gifts_from_channels": False,
        },
    }


@method("leaveChat")
def leave_chat(world: World, params: Params) -> bool:
    chat = world.chat(params.values.get("chat_id"))
    if not isinstance(chat.user, GroupInfo):
        raise bad_request("chat member status can't be changed in private chats")
    chat.left = True
    world.push_member_change(chat, world.bot_json(), "administrator" if chat.user.type == "channel" else "member", "left")
    world.signal.fire(chat.user.id)
    return True


@method("sendChatAction")
def send_chat_action(world: World, params: Params) -> bool:
    world.chat(params.values.get("chat_id"))
    params.required_str("action", "action is empty")
    return True


@method("setChatMenuButton")
def set_chat_menu_button(world: World, params: Params) -> bool:
    chat_id = world.chat(params.values["chat_id"], allow_blocked=True).user.id if params.has("chat_id") else None
    world.menu_buttons[chat_id] = params.json("menu_button") or {"type": "default"}
    return True


@method("getChatMenuButton")
def get_chat_menu_button(world: World, params: Params) -> dict[str, Any]:
    chat_id = world.chat(params.values["chat_id"], allow_blocked=True).user.id if params.has("chat_id") else None
    return world.menu_buttons.get(chat_id) or world.menu_buttons.get(None) or {"type": "commands"}


@method("setMyDescription", "setMyShortDescription", "setMyName")
def set_profile_text(world: World, params: Params) -> bool:
    return True
