/** The core paths in WebKit, Safari's engine: WebKitGTK's MiniBrowser over WebDriver. */
import { launchWebKit } from '../helpers/webkit';
import { whenInstalled } from './availability';
import { describeCorePaths } from './corePaths';

whenInstalled('webkit', () => describeCorePaths('WebKit (WebKitGTK MiniBrowser)', launchWebKit));
