"""The words of generated tickets: an IT service desk's vocabulary, after the seed stories.

`tickets.generator` composes subjects, messages, replies, notes and resolutions from these
fragments once per run, into pools it then draws from per row. The vocabulary is varied on
purpose (products, error codes, hosts, assets) so that the full-text search has rare words
to find as well as common ones, as on a real desk.
"""

# Filled into the templates below; each draw picks one value per slot.
SLOTS: dict[str, tuple[str, ...]] = {
    "app": (
        "Outlook",
        "Teams",
        "OneDrive",
        "SharePoint",
        "Excel",
        "the ERP client",
        "Salesforce",
        "the payroll portal",
        "Citrix Workspace",
        "Zoom",
        "Adobe Acrobat",
        "ServiceNow",
        "the core banking system",
        "the mobile banking app",
        "online banking",
    ),
    "device": (
        "laptop",
        "docking station",
        "second monitor",
        "desk phone",
        "headset",
        "keyboard",
        "webcam",
        "thin client",
        "iPhone",
        "Android phone",
        "Surface Pro",
        "MacBook",
    ),
    "printer": (
        "HP LaserJet M404",
        "the third-floor Ricoh",
        "the Canon imageRUNNER",
        "the label printer in shipping",
        "the Xerox in finance",
        "the plotter in engineering",
    ),
    "error": (
        "0x80070005",
        "0x8004010F",
        "0x800CCC0E",
        "error 503 Service Temporarily Unavailable",
        "error 401 Unauthorized",
        "AADSTS50076",
        "AADSTS53003",
        "Event ID 4625",
        "Event ID 41 Kernel-Power",
        "STOP 0x0000007E",
        "ERR_CONNECTION_TIMED_OUT",
        "certificate has expired",
        "The RPC server is unavailable",
        "disk quota exceeded",
    ),
    "site": (
        "London",
        "Manchester",
        "Leeds",
        "head office",
        "the Bristol branch",
        "the warehouse",
        "the data centre",
        "home",
    ),
    "host": (
        "srv-app01",
        "srv-app02",
        "sql-prod03",
        "dc01",
        "fs-share02",
        "vpn-gw1",
        "mail-relay2",
        "web-lb01",
        "citrix-sf01",
        "print-srv01",
    ),
    "vpn": ("GlobalProtect", "AnyConnect", "FortiClient", "the Always On VPN", "WireGuard"),
    "network": ("Wi-Fi", "wired network", "guest Wi-Fi", "VLAN 20", "the branch router"),
    "tool": ("ScreenConnect", "Splashtop", "the RMM remote session", "Quick Assist"),
    "kb": ("IT Glue", "Hudu", "Confluence", "the knowledge base"),
    "directory": ("Entra ID", "Active Directory", "Intune", "the CMDB"),
    "change": (
        "Patch Tuesday",
        "a GPO push",
        "an Intune policy change",
        "a Conditional Access rule",
    ),
}

# Per theme: subject templates and what the customer writes. A help topic gets the theme
# whose key appears in its name ("Network / VPN" → network), else "general".
THEMES: dict[str, dict[str, tuple[str, ...]]] = {
    "password": {
        "subjects": (
            "Locked out of my account",
            "Password expired and cannot sign in to {app}",
            "MFA prompt never arrives on my {device}",
            "Cannot reset my password ({error})",
            "Account disabled after too many attempts",
        ),
        "symptoms": (
            "Since this morning I cannot sign in to {app}; it says {error}.",
            "I changed my password yesterday and now {app} keeps asking for it again.",
            "The authenticator app on my new {device} does not get the push notification.",
            "My account is locked and I have a deadline today at {site}.",
            "I tried the self-service reset but it fails with {error}.",
        ),
    },
    "outage": {
        "subjects": (
            "{app} unavailable for everyone",
            "URGENT: {app} down at {site}",
            "Mobile banking app and website unavailable",
            "Customers cannot log in to {app}",
            "{host} not responding, several teams blocked",
        ),
        "symptoms": (
            "Nobody at {site} can reach {app}; the page shows {error}.",
            "Customers are calling the branch: online and mobile banking are both down.",
            "All users in my team get {error} when opening {app}.",
            "Service has been unavailable for twenty minutes; this is business critical.",
            "Transactions are failing since the maintenance window on {host}.",
        ),
    },
    "printer": {
        "subjects": (
            "{printer} shows offline",
            "Print jobs stuck in the queue on {printer}",
            "Paper jam error that will not clear",
            "Cannot add {printer} after the upgrade",
            "Scans from {printer} never reach my email",
        ),
        "symptoms": (
            "Jobs sent to {printer} sit in the queue and never print.",
            "The printer at {site} says paper jam but there is no paper stuck.",
            "After {change} my {device} cannot see {printer} any more.",
            "Printing from {app} fails with {error}.",
        ),
    },
    "hardware": {
        "subjects": (
            "{device} will not power on",
            "{device} very slow since the update",
            "Blue screen on my {device} ({error})",
            "Request: replacement {device}",
            "Second monitor not detected on the docking station",
        ),
        "symptoms": (
            "My {device} restarts on its own several times a day; Event Viewer shows {error}.",
            "The {device} at my desk at {site} stopped working this morning.",
            "Asset tag WS-{asset} is overheating and the fan is very loud.",
            "I spilled coffee on the {device} keyboard; some keys do not respond.",
        ),
    },
    "software": {
        "subjects": (
            "{app} crashes on start",
            "Need {app} installed",
            "{app} licence expired",
            "{app} freezes when opening large files",
            "Add-in missing in {app} after update",
        ),
        "symptoms": (
            "{app} closes as soon as it opens; the log says {error}.",
            "Could you install {app} on my {device}? My manager approved it.",
            "After {change} {app} is very slow and freezes for minutes.",
            "{app} tells me my licence expired although I used it yesterday.",
        ),
    },
    "network": {
        "subjects": (
            "{vpn} keeps disconnecting",
            "No internet on the {network} at {site}",
            "Cannot reach {host} over VPN",
            "Very slow network at {site}",
            "{vpn} fails with {error}",
        ),
        "symptoms": (
            "{vpn} connects and drops every few minutes when I work from {site}.",
            "The {network} at {site} shows connected but no internet access.",
            "From home I cannot reach {host}; the browser says {error}.",
            "File transfers to {host} crawl at a few KB/s since yesterday.",
        ),
    },
    "email": {
        "subjects": (
            "Outlook not receiving emails",
            "Shared mailbox missing in Outlook",
            "Emails to external partners bounce",
            "Calendar invites not showing in Teams",
            "Mailbox full: cannot send ({error})",
        ),
        "symptoms": (
            "Outlook says it is up to date but nothing new has arrived since 9:00.",
            "Messages to our supplier bounce with {error}.",
            "The finance shared mailbox disappeared from Outlook after {change}.",
            "Meetings I accept in Outlook do not show in Teams on my {device}.",
        ),
    },
    "change": {
        "subjects": (
            "Change request: firewall rule for {host}",
            "Change request: upgrade {app}",
            "Schedule maintenance window for {host}",
            "New starter: accounts and {device} for Monday",
        ),
        "symptoms": (
            "Please open port 443 from {host} to the partner network; approved by the CAB.",
            "We need {app} upgraded on {host} during the next maintenance window.",
            "A new colleague starts at {site} on Monday and needs accounts and a {device}.",
        ),
    },
    "general": {
        "subjects": (
            "Question about {app}",
            "How do I share a folder in {app}?",
            "Request access to the {site} shared drive",
            "Something is wrong with {app}",
            "Help setting up my new {device}",
        ),
        "symptoms": (
            "I am not sure whom to ask: {app} behaves differently since last week.",
            "Could you give me access to the shared drive used at {site}?",
            "My new {device} arrived; how do I connect it to {app}?",
            "Is there a guide for {app}? I could not find one in {kb}.",
        ),
    },
}

# What the customer adds around the symptom, and later in the thread.
OPENERS = ("Hello,", "Hi team,", "Good morning,", "Hello IT,", "Hi,")
DETAILS = (
    "It started right after {change}.",
    "It affects about {users} people in my team.",
    "I restarted the {device} twice and it did not help.",
    "Screenshot attached; the exact text is: {error}.",
    "I am working from {site} today.",
    "It is blocking my month-end reports.",
    "It worked fine on Friday.",
)
FOLLOW_UPS = (
    "Any update on this? It is still happening.",
    "I tried again this morning and got {error} again.",
    "Thanks, I am available all afternoon if you want to connect to my {device}.",
    "My colleague at {site} now has the same problem.",
    "Please call me on my mobile, I am away from my desk.",
)
SIGN_OFFS = ("Thanks", "Regards", "Many thanks", "Thank you", "Cheers")

# What agents write to the customer, and to each other (after the Tier 1 checklist).
REPLIES = (
    "Thank you for reporting this. I am looking into it and will update you here.",
    "Could you tell me the exact error text and when it last happened?",
    "I have connected through {tool} and can reproduce the problem.",
    "We found the cause and applied a fix; could you try again and confirm it works?",
    "I have reset the account after verifying your identity; please sign in again.",
    "This is a known issue after {change}; a fix is being rolled out today.",
    "I have escalated this to our Tier 2 team, who will contact you shortly.",
    "Please restart the {device} and let us know whether the problem persists.",
)
NOTES = (
    "Verified the caller against {directory} before discussing the account.",
    "Checked recent changes in {directory}: {change} hit this machine yesterday.",
    "Reproduced via {tool} in the user's session; fresh local account works.",
    "Searched {kb} for {error}: matches a known regression, see KB article {kb_id}.",
    "Outside Tier 1 scope; escalating with diagnostic notes to SysAdmin.",
    "Logs on {host} show {error} since 08:{minute}; restarting the service.",
    "P1: paged on-call, user impact confirmed for {users} users at {site}.",
)
ROOT_CAUSES = (
    "Backend service restart triggered by a configuration issue on {host}.",
    "Expired certificate on {host}.",
    "Corrupted user profile after {change}.",
    "Account locked by repeated sign-in attempts from an old {device}.",
    "Faulty driver pushed by {change}.",
    "Mailbox over quota.",
    "DNS record for {host} pointed to a retired server.",
    "Hardware fault: failing disk in the {device}.",
)
RESOLUTIONS = (
    "Restarted the service on {host} and validated with the user.",
    "Renewed the certificate and confirmed access with the user.",
    "Rebuilt the user profile; {app} works again.",
    "Unlocked the account, removed the stale credentials from the old {device}.",
    "Rolled back the driver and paused the update ring.",
    "Archived old mail and raised the quota.",
    "Corrected the DNS record and flushed caches.",
    "Replaced the {device}; data restored from backup.",
)
FIRST_NAMES = (
    "Jordan",
    "Maria",
    "Tom",
    "Grace",
    "Omar",
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Elena",
    "Farid",
    "Hannah",
    "Ivan",
    "Julia",
    "Kwame",
    "Laura",
    "Mateo",
    "Nina",
    "Oliver",
    "Priti",
    "Quentin",
    "Rosa",
    "Samuel",
    "Tariq",
    "Uma",
    "Victor",
    "Wei",
    "Yara",
    "Zoe",
    "Liam",
)
LAST_NAMES = (
    "Blake",
    "Santos",
    "Becker",
    "Kim",
    "Farouk",
    "Patel",
    "Nguyen",
    "Smith",
    "Jones",
    "Garcia",
    "Müller",
    "Rossi",
    "Dubois",
    "Kowalski",
    "Okafor",
    "Haddad",
    "Ivanova",
    "Tanaka",
    "Larsen",
    "O'Brien",
    "Fernandes",
    "Cohen",
    "Moreau",
    "Novak",
    "Ahmed",
    "Hughes",
    "Lindqvist",
    "Costa",
    "Walker",
    "Mensah",
)
ORGANISATIONS = ("northwind", "contoso", "fabrikam", "tailspin", "woodgrove", "litware")
