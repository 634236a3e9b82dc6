/**
 * The iPadOS/iOS configuration profile of the venue CA (`/setup/red-coral.mobileconfig`):
 * one root-certificate payload (`com.apple.security.root`) carrying the CA's DER. Its
 * identifiers and UUIDs derive from the CA's fingerprint, so installing it again replaces
 * the profile instead of adding a second one, and a new CA gets a profile of its own.
 * Unsigned: Settings shows it as "Unverified", and the steps on /setup say so.
 */
import { createHash } from 'node:crypto';
import type { PublicAuthority } from './prepare';

export const MOBILECONFIG_TYPE = 'application/x-apple-aspen-config';

/** A UUID (version-5 layout) from the fingerprint and a label: stable for one CA. */
function stableUuid(fingerprint: string, label: string): string {
  const hex = createHash('sha256').update(`${fingerprint}/${label}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`.toUpperCase();
}

function xml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export function caProfile(authority: PublicAuthority): string {
  const id = `app.red-coral.venue-ca.${authority.fingerprint.replaceAll(':', '').slice(0, 16).toLowerCase()}`;
  const base64 = authority.der.toString('base64').replace(/(.{64})/g, '$1\n\t\t\t');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>PayloadContent</key>
	<array>
		<dict>
			<key>PayloadCertificateFileName</key>
			<string>red-coral-venue-ca.cer</string>
			<key>PayloadContent</key>
			<data>
			${base64}
			</data>
			<key>PayloadDescription</key>
			<string>Lets this device trust the Red Coral server of this venue over HTTPS.</string>
			<key>PayloadDisplayName</key>
			<string>${xml(authority.name)}</string>
			<key>PayloadIdentifier</key>
			<string>${id}.certificate</string>
			<key>PayloadType</key>
			<string>com.apple.security.root</string>
			<key>PayloadUUID</key>
			<string>${stableUuid(authority.fingerprint, 'certificate')}</string>
			<key>PayloadVersion</key>
			<integer>1</integer>
		</dict>
	</array>
	<key>PayloadDescription</key>
	<string>The venue certificate authority of Red Coral (SHA-256 ${authority.fingerprint}). After installing, turn on full trust for it in Settings, General, About, Certificate Trust Settings.</string>
	<key>PayloadDisplayName</key>
	<string>Red Coral venue certificate</string>
	<key>PayloadIdentifier</key>
	<string>${id}</string>
	<key>PayloadRemovalDisallowed</key>
	<false/>
	<key>PayloadType</key>
	<string>Configuration</string>
	<key>PayloadUUID</key>
	<string>${stableUuid(authority.fingerprint, 'profile')}</string>
	<key>PayloadVersion</key>
	<integer>1</integer>
</dict>
</plist>
`;
}
