"""The configuration a new EDMS install starts with (installed by a data migration)."""

ROLES = [
    ("Viewer", "Reads effective documents"),
    ("Author", "Creates documents and uploads versions"),
    ("Reviewer", "Reviews documents submitted for review"),
    ("Approver", "Approves reviewed documents and sets their effective date"),
    ("Document Controller", "Manages numbering, supersession and obsolescence"),
    ("Quality Assurance", "Oversees the quality system and reads audit trails"),
    ("Administrator", "Administers users, configuration, backup and restore"),
]

DOCUMENT_TYPES = [
    ("POL", "Policy", 36),
    ("SOP", "Standard Operating Procedure", 24),
    ("WI", "Work Instruction", 24),
    ("MAN", "Manual", 36),
    ("FRM", "Form", 24),
    ("REC", "Record", 60),
]

DOCUMENT_SOURCES = [
    ("Original Digital Draft", "Written in the system"),
    ("Scanned Original", "Paper original scanned in"),
    ("Scanned Copy", "Copy of a paper original"),
    ("External Source", "Received from a supplier, regulator or standards body"),
]

# (code, name, is_terminal)
DOCUMENT_STATES = [
    ("DRAFT", "Draft", False),
    ("PENDING_REVIEW", "Pending review", False),
    ("UNDER_REVIEW", "Under review", False),
    ("REVIEW_COMPLETED", "Review completed", False),
    ("REVIEW_REJECTED", "Review rejected", False),
    ("PENDING_APPROVAL", "Pending approval", False),
    ("UNDER_APPROVAL", "Under approval", False),
    ("APPROVAL_REJECTED", "Approval rejected", False),
    ("APPROVED", "Approved", False),
    ("APPROVED_PENDING_EFFECTIVE", "Approved, pending effective date", False),
    ("EFFECTIVE", "Effective", False),
    ("UNDER_CHANGE_CONTROL", "Under change control", False),
    ("SCHEDULED_FOR_OBSOLESCENCE", "Scheduled for obsolescence", False),
    ("SUPERSEDED", "Superseded", True),
    ("OBSOLETE", "Obsolete", True),
    ("TERMINATED", "Terminated", True),
    ("WITHDRAWN", "Withdrawn", True),
    ("ON_HOLD", "On hold", False),
    ("ARCHIVED", "Archived", True),
]

# (name, description, initial state)
WORKFLOW_TYPES = [
    ("Review and Approval", "Draft, review, approval and effective date", "DRAFT"),
    ("Up-versioning", "A new version of an effective document", "DRAFT"),
    ("Obsolescence", "Retiring an effective document", "EFFECTIVE"),
    ("Termination", "Stopping a document before it becomes effective", "DRAFT"),
    ("Periodic Review", "Scheduled review of an effective document", "EFFECTIVE"),
]

# (token, where the value comes from, description); see edms.documents.placeholders
PLACEHOLDERS = [
    ("DOCUMENT_NUMBER", "document.document_number", "Document number, e.g. SOP-0001"),
    ("DOCUMENT_TITLE", "document.title", "Title"),
    ("DOCUMENT_DESCRIPTION", "document.description", "Description"),
    ("DOCUMENT_TYPE", "document.document_type.name", "Type name"),
    ("DOCUMENT_TYPE_CODE", "document.document_type.code", "Type code"),
    ("DOCUMENT_SOURCE", "document.source.name", "Source"),
    ("DOCUMENT_STATE", "document.state.name", "Lifecycle state"),
    ("DOCUMENT_STATE_CODE", "document.state.code", "Lifecycle state code"),
    ("DOCUMENT_UUID", "document.uuid", "Permanent identifier"),
    ("AUTHOR_USERNAME", "document.author.username", "Author's username"),
    ("AUTHOR_NAME", "document.author.get_full_name", "Author's full name"),
    ("AUTHOR_EMAIL", "document.author.email", "Author's e-mail"),
    ("REVIEWER_NAME", "document.reviewer.get_full_name", "Reviewer's full name"),
    ("APPROVER_NAME", "document.approver.get_full_name", "Approver's full name"),
    ("CREATED_DATE", "document.created_at.date", "Date created"),
    ("UPDATED_DATE", "document.updated_at.date", "Date last changed"),
    ("APPROVAL_DATE", "document.approved_at.date", "Date approved"),
    ("EFFECTIVE_DATE", "document.effective_date", "Effective date"),
    ("REVIEW_DATE", "document.review_date", "Next periodic review"),
    ("OBSOLETE_DATE", "document.obsolete_date", "Date made obsolete"),
    ("SUPERSEDED_BY", "document.superseded_by.document_number", "Superseding document"),
    ("VERSION_NUMBER", "version.version_number", "Version number"),
    ("VERSION_FILENAME", "version.original_filename", "Uploaded file name"),
    ("VERSION_SHA256", "version.sha256", "SHA-256 of the version file"),
    ("VERSION_CREATED_BY", "version.created_by.username", "Who uploaded the version"),
    ("VERSION_CREATED_DATE", "version.created_at.date", "Date the version was uploaded"),
    ("CHANGE_SUMMARY", "version.change_summary", "What changed in this version"),
    ("CURRENT_DATE", "now.date", "Today's date"),
    ("CURRENT_YEAR", "now.year", "This year"),
    ("CURRENT_DATETIME", "now", "Date and time now (UTC)"),
    ("INSTANCE_NAME", "system.instance_name", "This installation's name"),
    ("COMPANY_NAME", "system.company_name", "Company name (system setting company_name)"),
]

SYSTEM_SETTINGS = [
    ("company_name", {"value": "Example Pharma Ltd"}, "Shown on rendered documents"),
    ("document_number_width", {"value": 4}, "Digits in generated document numbers"),
]


def install(apps, using: str = "default") -> None:
    """Create or update every default by its natural key, so running it twice changes nothing.

    `using` is the database being migrated, which need not be the default one."""
    Role = apps.get_model("accounts", "Role")
    DocumentType = apps.get_model("documents", "DocumentType")
    DocumentSource = apps.get_model("documents", "DocumentSource")
    Placeholder = apps.get_model("documents", "Placeholder")
    DocumentState = apps.get_model("workflows", "DocumentState")
    WorkflowType = apps.get_model("workflows", "WorkflowType")
    SystemSetting = apps.get_model("core", "SystemSetting")

    for name, description in ROLES:
        Role.objects.using(using).update_or_create(name=name, defaults={"description": description})
    for code, name, months in DOCUMENT_TYPES:
        DocumentType.objects.using(using).update_or_create(
            code=code, defaults={"name": name, "review_period_months": months}
        )
    for name, description in DOCUMENT_SOURCES:
        DocumentSource.objects.using(using).update_or_create(
            name=name, defaults={"description": description}
        )
    for sequence, (code, name, terminal) in enumerate(DOCUMENT_STATES, start=1):
        DocumentState.objects.using(using).update_or_create(
            code=code, defaults={"name": name, "sequence": sequence, "is_terminal": terminal}
        )
    for name, description, initial in WORKFLOW_TYPES:
        WorkflowType.objects.using(using).update_or_create(
            name=name,
            defaults={
                "description": description,
                "initial_state": DocumentState.objects.using(using).get(code=initial),
            },
        )
    for token, path, description in PLACEHOLDERS:
        Placeholder.objects.using(using).update_or_create(
            token=token, defaults={"source_path": path, "description": description}
        )
    for key, value, description in SYSTEM_SETTINGS:
        SystemSetting.objects.using(using).get_or_create(
            key=key, defaults={"value": value, "description": description}
        )
