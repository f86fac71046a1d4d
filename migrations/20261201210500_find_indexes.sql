-- Staff /find by email or phone looks an applicant up by that column alone.
CREATE INDEX applicants_email ON applicants (email);
CREATE INDEX applicants_phone ON applicants (phone);
