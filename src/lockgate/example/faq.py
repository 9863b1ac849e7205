"""What the support assistant answers for each intent, and when it asks to clarify instead."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

CLARIFY_BELOW = 0.2
"""Below this confidence the assistant asks a clarifying question instead of guessing."""

CLARIFYING_ANSWER = (
    "Sorry, I'm not sure I understood. Could you tell me a bit more? For example: is this about "
    "an order you placed (status, delivery, return or refund), a payment or charge, your account "
    "and login, or a product question? If you have an order number, please include it."
)

ANSWERS: Mapping[str, str] = MappingProxyType(
    {
        "refund": (
            "I'm sorry for the wait. Refunds are issued to the original payment method within 5 "
            "business days after we receive the returned item, and your bank may need another 3 "
            "to 5 days to show it. You can follow the status under Orders > Refunds; if it has "
            "been longer than 10 business days, reply with your order number and I'll chase it."
        ),
        "return_item": (
            "You can return most items within 30 days of delivery. Go to Orders, choose the item "
            "and select Return to print a prepaid label, then drop the parcel at any partner "
            "point. Exchanges for another size or colour are free; we'll email you when the return "
            "is checked in."
        ),
        "order_status": (
            "You can see where your order is under Orders > Track, and we email a tracking link "
            "as soon as it ships. Most orders leave our warehouse within 1 to 2 business days and "
            "arrive 2 to 5 days later. If the tracking hasn't moved for 3 days, let me know the "
            "order number and I'll check with the carrier."
        ),
        "delivery_problem": (
            "I'm sorry your delivery went wrong. If the parcel is marked delivered but missing, "
            "please check with neighbours and your safe place first; if it's damaged or the wrong "
            "item, take a photo. Then open Orders > Report a problem and we'll send a replacement "
            "or a refund, at no cost to you."
        ),
        "cancel_order": (
            "Orders can be cancelled free of charge until they are packed, usually within an hour "
            "of purchase. Open Orders, choose the order and select Cancel. If the button is gone, "
            "the order has shipped: refuse the delivery or return it for a full refund."
        ),
        "billing_dispute": (
            "Sorry about the confusing charge. A second line is often a temporary authorisation "
            "that your bank releases within 3 to 5 days. If it's still there after that, or the "
            "amount doesn't match your invoice, reply with the date and amount and our billing "
            "team will investigate and refund any overcharge."
        ),
        "password_reset": (
            "Use Forgot password on the sign-in page and we'll email you a reset link that is "
            "valid for 30 minutes. Check your spam folder if it doesn't arrive. After 5 failed "
            "attempts the account locks for 15 minutes for your security."
        ),
        "human_agent": (
            "Of course. I'm passing this conversation to a member of our support team; the "
            "current wait is about 5 minutes between 8am and 8pm. You can also call us or ask for "
            "a call back from the Contact page."
        ),
        "change_address": (
            "You can change the delivery address under Orders > Edit delivery as long as the "
            "order hasn't shipped. To update the default address for future orders, go to Account "
            "> Addresses. Once shipped, the carrier's tracking page lets you redirect the parcel."
        ),
        "update_payment": (
            "Go to Account > Payment methods to add a new card or PayPal, set it as default and "
            "remove the old one. We accept Visa, Mastercard, American Express, PayPal, Apple Pay "
            "and Klarna. If a payment is declined, check the billing address matches your card."
        ),
        "product_info": (
            "Each product page lists sizes, materials, dimensions and what's in the box under "
            "Details, and stock is shown per size and colour. If something isn't covered there, "
            "tell me the product and what you'd like to know and I'll find out."
        ),
        "account_deletion": (
            "You can delete your account under Account > Privacy > Delete account. We remove your "
            "personal data within 30 days, except invoices we must keep by law. If you only want "
            "fewer emails, you can unsubscribe from marketing on the same page instead."
        ),
        "warranty_claim": (
            "All electronics carry a 2-year warranty. Open Orders, choose the item and select "
            "Warranty claim, describe the fault and add a photo or video. We'll arrange a repair "
            "or replacement; accidental damage such as drops or water isn't covered."
        ),
        "shipping_cost": (
            "Standard shipping is free on orders over $50 and $4.99 otherwise; express next-day "
            "delivery is $9.99. We ship to most countries in Europe and North America; the exact "
            "international price and any import fees are shown at checkout before you pay."
        ),
        "complaint": (
            "I'm really sorry about your experience, and thank you for telling us. I've logged "
            "this as a formal complaint and a team lead will review it and reply by email within "
            "2 business days. If you include your order number, we can look into it faster."
        ),
        "promo_code": (
            "Enter codes in the Discount code box at checkout; one code applies per order and it "
            "must be valid on the items in your basket. If a valid code didn't apply to a recent "
            "order, send me the code and order number and we'll refund the difference."
        ),
    }
)


def answer(intent: str, confidence: float) -> str:
    """The reply for a predicted intent, or the clarifying question when unsure or unknown."""
    if confidence < CLARIFY_BELOW or intent not in ANSWERS:
        return CLARIFYING_ANSWER
    return ANSWERS[intent]
