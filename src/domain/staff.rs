//! Staff roles and the one permission table (DESIGN §1): which role each staff action
//! needs. The bot's commands and the console's routes both ask [`StaffAction::needs`], so
//! an operator may do in one channel exactly what he may do in the other.

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "staff_role", rename_all = "lowercase")]
pub enum Role {
    Admin,
    Operator,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "operator" => Some(Role::Operator),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
        }
    }

    /// Whether this role may take `action` (admins may take every action).
    pub fn may(self, action: StaffAction) -> bool {
        self == Role::Admin || action.needs() == Role::Operator
    }
}

/// Everything staff do, in the bot or the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StaffAction {
    /// Look an applicant up (`/find`, the console's search, lists and detail page).
    Find,
    Stats,
    /// Seat loads (`/slots`, the console's slot list).
    Slots,
    /// Money owed back (`/refunds`, the console's refunds page).
    Refunds,
    /// Attendance lists (the console's exports).
    Export,
    /// The audit log page.
    AuditLog,
    /// A sign-in link to the console (`/console`).
    Console,
    /// Confirm a payment that did not reach us: a seat without money if misused.
    MarkPaid,
    /// Record a no-show: it bars the applicant from applying again in the campaign.
    NoShow,
    UndoNoShow,
    /// Withdraw a paid application on the applicant's behalf.
    Withdraw,
    /// Capacity, time or venue of a slot.
    ChangeSlot,
    RefundDone,
    CloseDatabase,
    Notify,
    Broadcast,
    /// Add or remove staff members.
    ManageStaff,
    /// Move an IIN (and its applications) to another Telegram account, or refuse a request to.
    Rebind,
    /// The queue of retest requests and their documents (`/retests`, the console page).
    Retests,
    /// Approve or refuse a retest request: an approval gives a seat without a new fee.
    DecideRetest,
    /// Let one IIN apply after registration closed (`/latereg`, the console's form).
    LateRegistration,
    /// The session page: campaigns' timelines and figures.
    Session,
    /// Change a campaign's settings, venues or slots (the console's session page).
    EditSession,
}

impl StaffAction {
    pub const ALL: [StaffAction; 23] = [
        StaffAction::Find,
        StaffAction::Stats,
        StaffAction::Slots,
        StaffAction::Refunds,
        StaffAction::Export,
        StaffAction::AuditLog,
        StaffAction::Console,
        StaffAction::MarkPaid,
        StaffAction::NoShow,
        StaffAction::UndoNoShow,
        StaffAction::Withdraw,
        StaffAction::ChangeSlot,
        StaffAction::RefundDone,
        StaffAction::CloseDatabase,
        StaffAction::Notify,
        StaffAction::Broadcast,
        StaffAction::ManageStaff,
        StaffAction::Rebind,
        StaffAction::Retests,
        StaffAction::DecideRetest,
        StaffAction::LateRegistration,
        StaffAction::Session,
        StaffAction::EditSession,
    ];

    /// Its name in templates (`me.may.mark_paid`) and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffAction::Find => "find",
            StaffAction::Stats => "stats",
            StaffAction::Slots => "slots",
            StaffAction::Refunds => "refunds",
            StaffAction::Export => "export",
            StaffAction::AuditLog => "audit_log",
            StaffAction::Console => "console",
            StaffAction::MarkPaid => "mark_paid",
            StaffAction::NoShow => "no_show",
            StaffAction::UndoNoShow => "undo_no_show",
            StaffAction::Withdraw => "withdraw",
            StaffAction::ChangeSlot => "change_slot",
            StaffAction::RefundDone => "refund_done",
            StaffAction::CloseDatabase => "close_database",
            StaffAction::Notify => "notify",
            StaffAction::Broadcast => "broadcast",
            StaffAction::ManageStaff => "manage_staff",
            StaffAction::Rebind => "rebind",
            StaffAction::Retests => "retests",
            StaffAction::DecideRetest => "decide_retest",
            StaffAction::LateRegistration => "late_registration",
            StaffAction::Session => "session",
            StaffAction::EditSession => "edit_session",
        }
    }

    /// The permission table. Operators read, search and export; whatever changes an
    /// application, a seat, money or a message to applicants is an admin's.
    pub fn needs(self) -> Role {
        match self {
            StaffAction::Find
            | StaffAction::Stats
            | StaffAction::Slots
            | StaffAction::Refunds
            | StaffAction::Export
            | StaffAction::AuditLog
            | StaffAction::Console
            | StaffAction::Retests
            | StaffAction::Session => Role::Operator,
            StaffAction::MarkPaid
            | StaffAction::NoShow
            | StaffAction::UndoNoShow
            | StaffAction::Withdraw
            | StaffAction::ChangeSlot
            | StaffAction::RefundDone
            | StaffAction::CloseDatabase
            | StaffAction::Notify
            | StaffAction::Broadcast
            | StaffAction::ManageStaff
            | StaffAction::Rebind
            | StaffAction::DecideRetest
            | StaffAction::LateRegistration
            | StaffAction::EditSession => Role::Admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_may_everything_operators_only_what_reads() {
        for action in StaffAction::ALL {
            assert!(Role::Admin.may(action), "{action:?}");
            assert_eq!(Role::Operator.may(action), action.needs() == Role::Operator, "{action:?}");
        }
        for action in [
            StaffAction::MarkPaid,
            StaffAction::NoShow,
            StaffAction::Withdraw,
            StaffAction::DecideRetest,
            StaffAction::LateRegistration,
        ] {
            assert!(!Role::Operator.may(action), "{action:?} changes what an applicant holds");
        }
    }
}
