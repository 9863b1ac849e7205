"""The intents of the support assistant and the phrasings customers use for each.

Templates use a tiny grammar: ``[a|b|c]`` picks one alternative (an empty alternative is
allowed) and ``{slot}`` is filled from ``SLOTS``. Phrasings deliberately share vocabulary across
intents ("order", "card", "account", "return", "charged") the way real support traffic does.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

SLOTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "item": (
            "headphones", "blender", "running shoes", "jacket", "phone case", "coffee machine",
            "laptop stand", "desk lamp", "backpack", "smart watch", "air fryer", "kettle",
            "winter coat", "vacuum cleaner", "bluetooth speaker", "yoga mat", "office chair",
            "toaster", "sneakers", "tablet", "hoodie", "electric toothbrush", "monitor",
        ),
        "items": (
            "headphones", "blenders", "running shoes", "jackets", "phone cases", "kettles",
            "smart watches", "office chairs", "sneakers", "tablets", "monitors", "backpacks",
        ),
        "when": (
            "yesterday", "last week", "two weeks ago", "on monday", "10 days ago", "last month",
            "3 days ago", "on friday", "a week ago", "over a month ago",
        ),
        "country": (
            "canada", "germany", "the uk", "ireland", "france", "australia", "spain", "mexico",
            "norway", "japan", "italy", "the netherlands",
        ),
        "percent": ("10%", "15%", "20%", "25%", "30%", "50%"),
        "money": ("$20", "20 dollars", "£15", "€30", "$49.99", "12 euros", "$7.50"),
    }
)  # fmt: skip

TEMPLATES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "refund": (
            "i [want|would like|need] [a refund|my money back] for [the|my] {item}",
            "[can|could] i get a refund [for|on] [my|the] {item}[ please|]",
            "how do i get my money back[ for the {item}|]",
            "still waiting for my refund[, i returned the {item} {when}|]",
            "[please|] refund [me|my order|the {item}]",
            "[when|how long until] will i [get|receive] my refund",
            "refund [status|hasn't arrived|not received yet|still missing]",
            "i [returned|sent back] the {item} {when} and [haven't got my money|still no refund]",
            "you [promised|said] i would get a refund {when}",
            "i was told i'd be refunded [within 5 days|in a week], where is it",
            "i'd like to be reimbursed for the {item}",
            "money back [please|asap|now] for [my|the] {item}",
            "[the|my] {item} [was faulty|was not as described], i want a full refund",
            "has my refund been processed[ yet|]",
            "refund to my [bank account|original payment method] please",
        ),
        "return_item": (
            "how do i return [the|my] {item}",
            (
                "i [want|need] to [return|send back] [the|my] {item}"
                "[ it doesn't fit| it's the wrong size| i changed my mind|]"
            ),
            "[can|could] you send me a return label[ for the {item}|]",
            "what is your return policy[ for {items}|]",
            "is it too late to return [the|my] {item} i bought {when}",
            "where do i drop off a return",
            "i'd like to exchange the {item} for a different [size|colour|model]",
            "return [label|request] for [my|the] {item}",
            "do i have to pay for return [shipping|postage]",
            "[the|my] {item} [doesn't fit|is too small|is too big], can i swap it",
            "how many days do i have to return [an item|the {item}]",
            "start a return for [my|the] {item}",
        ),
        "order_status": (
            "where is my [order|package|parcel]",
            "[can you|could you] [check|tell me] the status of my order",
            "has my {item} [shipped|been dispatched] yet",
            "when will my {item} [arrive|be delivered|get here]",
            "[track|tracking for] my [order|package|parcel]",
            "i ordered [a|the] {item} {when}[, any update|, when does it ship|]",
            "what's the [eta|delivery date] for my order",
            "is my order [on its way|still processing|out for delivery]",
            "order [status|update] please",
            "any news on my [order|{item}]",
            "i haven't got a shipping confirmation [yet|] for my {item}",
            "can i get a tracking number for my [order|{item}]",
        ),
        "delivery_problem": (
            (
                "my [package|parcel|order] [never arrived|hasn't arrived|didn't arrive]"
                "[ and tracking says delivered|]"
            ),
            "[the|my] {item} arrived [damaged|broken|smashed|crushed]",
            "tracking says delivered but [nothing|there is nothing] [here|at my door]",
            (
                "the courier [left|dropped] my parcel "
                "[in the rain|at the wrong house|with a neighbour]"
            ),
            "i received the wrong [item|order|size|colour]",
            "[part of|half of] my order is missing",
            "the delivery driver [never showed up|didn't ring the bell|threw my parcel]",
            "my parcel is stuck [in customs|at the depot] for [a week|10 days]",
            "the box was [empty|open] when it arrived",
            "[package|parcel] marked as delivered but i never got it",
            "you sent me [someone else's order|a different {item}]",
            "my {item} was delivered to the wrong address",
        ),
        "cancel_order": (
            "[i want to|please|can i|how do i] cancel my order",
            "cancel [the|my] {item} order[ please|]",
            "i ordered [the|a] {item} by mistake, [please cancel it|can you cancel it]",
            "stop my order before it ships",
            "i changed my mind, don't send the {item}",
            "is it too late to cancel [my order|the {item}]",
            "[please|] cancel [the order|it] asap",
            "i placed a duplicate order, cancel one of them",
            "cancel order [i placed|from] {when}",
            "i no longer need the {item}, cancel the order",
        ),
        "billing_dispute": (
            "i was charged twice [for|on] my [order|{item}]",
            "there's a charge on my [statement|card] i don't recognise",
            "why was i [billed|charged] [twice|again|more than the price shown]",
            "you overcharged me [for the {item}|by {money}|]",
            "i [see|got] a double charge[ for {money}|]",
            "unauthorized charge on my account",
            "the invoice amount is wrong",
            "i cancelled but you still charged me[ {money}|]",
            "charged for shipping even though it said free",
            "[dispute|query about] a charge of {money}",
            "my bank shows [two payments|a payment of {money}] i didn't make",
            "the price went up after i paid, i was charged {money} extra",
        ),
        "password_reset": (
            "i forgot my password",
            "[can't|cannot|unable to] log in[ to my account|]",
            "[how do i|help me] reset my password",
            "the password reset [email|link] [never arrives|doesn't work|expired]",
            "locked out of my account",
            "my login [isn't working|doesn't work]",
            "i'm not getting the verification code",
            "change my password[ please|]",
            "it says my password is wrong but it isn't",
            "[reset|recover] [password|my login] please",
            "too many login attempts, now i can't sign in",
        ),
        "human_agent": (
            "[i want|let me|can i] [talk|speak] to a [human|real person|agent|representative]",
            "[get me|connect me to] a [human|live agent|person]",
            "[agent|human|representative][ please|!!|]",
            "stop sending me bot answers",
            "is there a real person i can [chat|talk] with",
            "[call me back|can someone call me][ please|]",
            "transfer me to customer service",
            "i need to speak to [a manager|your supervisor|someone]",
            "you are a bot, i want a person",
            "[what is|give me] your phone number, i want to talk to someone",
        ),
        "change_address": (
            "i need to change my [shipping|delivery] address",
            "[can i|how do i] update the address on my order",
            "i moved, please [update|change] my address",
            "ship it to a different address [instead|please]",
            "wrong address on my order, [can you fix it|please correct it]",
            "i typed the wrong [postcode|zip code|street|house number]",
            "deliver to my [work|office|parents'] address instead",
            "update my [home|default] address",
            "can you redirect my [parcel|order] to [my neighbour|another address]",
            "[change|edit] delivery address for the {item}",
        ),
        "update_payment": (
            "i need to update my [card|payment method|credit card]",
            "[how do i|can i] change [my|the] [payment method|card on file]",
            (
                "my card [expired|was replaced|got stolen], "
                "[how do i add a new one|i need to update it]"
            ),
            "add a new [card|payment method|paypal account]",
            "remove my old card[ from my account|]",
            "payment [declined|failed|keeps failing] at checkout",
            "can i pay with [paypal|apple pay|klarna|bank transfer]",
            "switch my subscription to a different card",
            "update [billing details|card details|my billing info]",
            "my new card isn't accepted[, how do i fix it|]",
        ),
        "product_info": (
            "[does|is] the {item} [come in other colours|waterproof|compatible with iphone]",
            "what [size|material|dimensions] [is|are] the {item}",
            "tell me more about the {item}",
            "is the {item} [in stock|available in blue|back in stock soon]",
            "what's the difference between the {item} and the pro version",
            "how long does the battery last on the {item}",
            "does the {item} come with a [charger|manual|case]",
            "do you sell {items}",
            "[which|what] {item} would you recommend for [running|travel|a small kitchen]",
            "is the {item} [machine washable|dishwasher safe|easy to assemble]",
            "what are the specs of the {item}",
        ),
        "account_deletion": (
            "[please|i want to|how do i] delete my account",
            "close my account[ permanently| and remove my data|]",
            "[remove|erase] all my [personal data|information]",
            "i want to [deactivate my account|delete my profile] [and delete everything|for good]",
            "gdpr request: [delete|erase] my data",
            "cancel my account[ please|]",
            "stop [emails|marketing] and delete my profile",
            "how can i [remove|close] my [account|customer account]",
            "i don't want an account with you anymore",
            "right to be forgotten, remove [me|my details]",
        ),
        "warranty_claim": (
            "my {item} [stopped working|broke|won't turn on] after [two months|3 weeks|a year]",
            "is the {item} [still|] under warranty",
            "[i want to|how do i] make a warranty claim[ for my {item}|]",
            (
                "[the|my] {item} [is defective|has a fault|keeps overheating], "
                "[can you replace it|i need a repair]"
            ),
            "does the warranty cover [water damage|a cracked screen|the battery]",
            "[repair|replacement] under warranty for [my|the] {item}",
            "the {item} i bought {when} already [broke|stopped working]",
            "how long is the warranty on the {item}",
            "[the|my] {item} [makes a weird noise|keeps turning off], is that covered",
            "i need a replacement part for my {item}",
        ),
        "shipping_cost": (
            "how much is shipping[ to {country}|]",
            "do you [ship|deliver] to {country}[ and what does it cost|]",
            "is shipping free [over $50|for members|]",
            "[what are|how much are] the delivery [fees|charges|costs]",
            "why is shipping so expensive",
            "[express|next day] delivery [price|cost]",
            "how long does shipping take to {country}",
            "minimum order for free delivery",
            "what does it cost to send [a {item}|this] to {country}",
            "[are there|any] import fees for {country}",
        ),
        "complaint": (
            "[your|this] service is [terrible|awful|a joke|unacceptable]",
            (
                "i am [very|extremely|really] [disappointed|unhappy|angry] "
                "with [your company|the service|this shop]"
            ),
            "[worst|terrible] [customer service|experience] [ever|i've had]",
            "i want to [file|make|lodge] a [complaint|formal complaint]",
            "[nobody|no one] answers my emails[, this is ridiculous|]",
            "the [staff|agent] was rude to me",
            "i've been waiting [for weeks|forever] and nobody helps",
            "i'll never [order|buy] from you again",
            "this is the third time i'm [writing|contacting you] about this",
            "[absolutely|completely] [unacceptable|ridiculous] how you treat customers",
        ),
        "promo_code": (
            "my [promo|discount|voucher] code [isn't working|doesn't work|is invalid|expired]",
            "[how do i|where do i] [apply|enter|use] a [discount|promo|coupon] code",
            "[do you have|are there] any [discounts|promotions|sales][ right now| for students|]",
            "i forgot to [use|apply] my coupon, can you [add it|apply it] now",
            "the {percent} discount wasn't applied",
            "where do i put the gift card code",
            "is there a [welcome|first order] discount",
            "can i combine two [coupons|promo codes]",
            "[code|voucher] {percent} off not accepted",
        ),
    }
)

INTENTS: tuple[str, ...] = tuple(TEMPLATES)

# Background customers give before their request; shared by every intent.
CONTEXTS: tuple[str, ...] = (
    "i ordered [a|the] {item} {when}",
    "i bought [a|the] {item} {when}",
    "i placed an order {when}",
    "i've been a customer for [years|a long time]",
    "i got an email from you {when}",
    "my {item} [arrived|came] {when}",
    "i already [emailed|called|wrote] {when}",
    "i'm writing about my [order|account]",
    "i paid with my [card|paypal]",
    "this is about the {item}",
    "[my|the] order [was|is] for a {item}",
    "i used your chat {when}",
)

OPENERS: tuple[str, ...] = (
    "", "", "", "", "hi, ", "hello, ", "hey ", "good morning, ", "hi there. ", "excuse me, ",
    "hello. ", "quick question: ", "help! ", "hi team, ",
)  # fmt: skip
CLOSERS: tuple[str, ...] = (
    "", "", "", "", ".", "?", " thanks.", " thank you!", " please help.", " asap",
    " thanks in advance.", " cheers", "!!", " ??", ". regards",
)  # fmt: skip

# Where a customer plausibly adds each kind of personal data, per intent (weights).
PII_AFFINITY: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "refund": ("order", "order", "iban", "iban", "email", "name", "card"),
        "return_item": ("order", "order", "address", "name", "email"),
        "order_status": ("order", "order", "order", "email", "name", "phone"),
        "delivery_problem": ("order", "order", "address", "address", "phone", "name"),
        "cancel_order": ("order", "order", "order", "email", "name"),
        "billing_dispute": ("card", "card", "order", "iban", "email", "name"),
        "password_reset": ("email", "email", "email", "phone", "name"),
        "human_agent": ("phone", "phone", "phone", "name", "email"),
        "change_address": ("address", "address", "address", "order", "name"),
        "update_payment": ("card", "card", "card", "iban", "email"),
        "product_info": ("email", "name", "phone"),
        "account_deletion": ("email", "email", "name", "phone", "address"),
        "warranty_claim": ("order", "order", "name", "email", "phone"),
        "shipping_cost": ("address", "email", "name"),
        "complaint": ("order", "name", "email", "phone"),
        "promo_code": ("order", "email", "name"),
    }
)

# How a customer introduces themselves at the start of a message.
NAME_INTRODUCTIONS: tuple[str, ...] = ("my name is {v}", "this is {v}", "{v} here", "hi, i'm {v}")

# How a customer introduces each kind of value later in a message; "{v}" is the value.
PII_CLAUSES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "name": ("my name is {v}", "this is {v}", "regards, {v}", "- {v}", "thanks, {v}"),
        "email": (
            "my email is {v}",
            "account email: {v}",
            "you can reach me at {v}",
            "({v})",
            "registered under {v}",
            "email me at {v}",
        ),
        "phone": (
            "call me on {v}",
            "my number is {v}",
            "phone: {v}",
            "reach me at {v}",
            "tel {v}",
            "text me on {v}",
        ),
        "card": ("my card is {v}", "card number {v}", "charged on card {v}", "card: {v}"),
        "iban": ("my iban is {v}", "please send it to {v}", "bank account {v}", "iban: {v}"),
        "order": ("order {v}", "order number {v}", "order no. {v}", "ref {v}", "(order {v})"),
        "address": ("my address is {v}", "ship to {v}", "i live at {v}", "address: {v}"),
    }
)
