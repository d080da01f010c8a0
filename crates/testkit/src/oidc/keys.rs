//! Test-only signing keys and their public JWKS.
//!
//! THESE ARE TEST KEYS ONLY. They were generated once with the `openssl`
//! CLI (`openssl genpkey`) for this crate and are public in the source
//! tree: never trust them anywhere but in tests.

/// Key id of [`RSA_PRIVATE_KEY_PEM`] in [`JWKS_JSON`].
pub const RSA_KID: &str = "test-rsa";

/// Key id of [`EC_PRIVATE_KEY_PEM`] in [`JWKS_JSON`].
pub const EC_KID: &str = "test-ec";

/// Test-only RSA 2048 private key (PKCS#8 PEM) that signs RS256 tokens;
/// its public half is the `test-rsa` entry of [`JWKS_JSON`].
pub const RSA_PRIVATE_KEY_PEM: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDGuj115+yKsItr
pt+qqw7pgkbqZ/qV3czi2nQ5yVDv9vuvGW5CY5rq/4zIML1a1tPSPfrwY9H+Dxs4
c1RQ4DSemf9orK8mvAu/oEXr9duIIzicCaSwmnynzSAzOJWdbHbPzCcJkL0dGeBK
e+6RXwPnqMIB4NRtfRszLxhfbrVMWdZ0M6e3gWp/954KyMBkHl7p1Mddw3Kh7dJw
nRjG7gSHvGkKgsnv9Ucc0+fwa5ps3UBQgYuZ2LPl6fQjAe7fgsH4i9AStyppih8T
BYpdTBG0JKS3oJ5wqEMfxydWAOCeIPgxrBbLus/30EK8un8MY1AsjYKY3xmKrbz9
s4Ws05CvAgMBAAECggEAM/W7Hyp6SxL5CTczEQ0z03M4No7kUq4RJZlnvTo5etyx
lulHznz7owkZVriDsg4siTKie5sl608o11w0RgcxSuzJ/qT0EOUnDz4JOjZo5ZIL
+aR91p02DavRCQN4/xW+hPuEk3gwMj0zS1ZXHNRikX4q59HQySXmaD4emck5BxKa
Fb9xxm8qiiVuQvC7EBv8YqK+PjXc8bu0+V5X7pEaLaWjqJn2h4cr7hg5lIj03mZP
jYwdc0IyXvnYvZk0STI2Tgd8GeA42OW6HHeRk2ksONg+wwmkik+d+YBx08WJgABd
UzU3Q7NuBPYssMG9jeXPsNvFsr4HsEeCP4IOOQ8SyQKBgQDwD6yxvnwFBs0bA0Uw
FJtPZC7TOwJ6k1FfPrTiRx5gCBylYUSEoZgpuMieLLjwWH7iFlxZ1rl0WMXsvYqe
q0cVvgvqT9DnGO5QUh1cRRXRAXMHnVnvgqg8QjsLdR5mRFC5uIhXZTkCVVl6jRNK
BxHQVVFofsNP7plCeC/CA+c/qQKBgQDT7APqoLh41ohOD/o3EgbWNDPLHKY5eg42
idhbefoD952IoW2NlbDHK2e7kGbYuyc70Me9JPmmg3L1tWEsoGOwWSi6yCGKX73R
XXcfdh6UJrOPzVKp8MTiMayZEf5ftIl983sIlYEsKPavs3ALgEwADv932UJZGe/a
eMgQu3dklwKBgDDwARR68G1V5ZoMIJ6clMyqb6E/9lFmlsAD2HwIY3jQLobIPV+M
UaivsrYMB+d3IuaUCF+IFmZRcofAW/HcmLEl/OfXPY7e1jYphzK4Iqpo0TpMKXlZ
+VHPbpn3Visi4hH6PFEUoXqIS6Vf/P6qUkdWHTJgJRC2YyfZuGKkyQ+BAoGBALDi
uMooaJGED7WIpIM+6rH0VJ7eROiItkBTgmGoSETzc2xNwZGCNlGoKydlelLAtBi7
RVzc9fxEj7oDMR78qPjTEqoEzeofy+JrLzj1cMScIRiQesUaEFv0tmn1mOrtWC3n
AvTBRVZEwtMY5RbUeZs66YVxtG2GtqsWUXeV4iv1AoGBAJ+zh4chqfA8J9N0oGCw
3FSA9m6kCkWaONnEdQY5f+yK1fa04qLHPULRb0u0kgUHYN1XO1Eipx+rrdDgqPKh
PLFYv1P3g6+wo2EUhLr7AEEu/ngjakdTW18Kx+GlSmizU8SErsZAvsaYCboI2h+Q
ltMvL7BpZFQzWsB2xvWaj9tX
-----END PRIVATE KEY-----
";

/// Test-only EC P-256 private key (PKCS#8 PEM) that signs ES256 tokens;
/// its public half is the `test-ec` entry of [`JWKS_JSON`].
pub const EC_PRIVATE_KEY_PEM: &str = "\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKu8pKo7Jk7uDxcvM
SQ6noOXF99NYbLUXKXdj7aoRwVShRANCAATZH/Z7PkxDcCpKTRhbwjVYpnji+EcQ
Yl9sPDn/zSE5rn/0KYQ0lKsqcuHgtFrJw9oOeHjiK1ps6ZLzRVTWy/Xu
-----END PRIVATE KEY-----
";

/// Test-only RSA 2048 private key (PKCS#8 PEM) that is NOT in
/// [`JWKS_JSON`]: tokens it signs must be rejected.
pub const UNKNOWN_RSA_PRIVATE_KEY_PEM: &str = "\
-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQC6+8Z8eOaPjgKW
m+FE43R1+A3Ag9TxqlIWRLf41+M7LlSvF3qbrDpH2Kr+ZhC+29vWrPN22bpERCdL
Z3prm5EzrdlyEvrRaTzmTpdRfQE5yD39pz0oprqCkCV1bUgRjn/50UDkemE568Wh
zUnR6LeC8kLClsGJWVEs0kWpZXpkZdsAFSiMh8TBHz2rGXhYdAVc0FTt/dEaGfEe
bTXHegSMrQwCGV3fgfdFil5SabwmSZAz04RqNU6RYkeup/fDBvsc4rgcF58Sp1BT
itvMmMYAdGMyiEIcXW+si46Z72CpzuREy3OWKH+0zmRYMijZp/UnZtx5jD6B4ksy
1pBnYDLrAgMBAAECggEACQjKNdBnn28Gm/1LHJd61IpYK8GS49xNXAsU8n6H2Z+q
8szJHUVsiXUkCeenjnkz/YLcvpTVhZ/fYCrPROy+zsbrFzJokP6rNRt9/y9xhDez
GxLeBx1LLKzHSo2tqj9+2nSsVH2/Pduw8FjpZK2AVGDdLea30imRHP/J4t3m1Hvs
Omq1QEoWnazQTtd2iFkevtqSCm3hC7j4x/Wp0qNwpO3snekpz6OOdOUcBGzDwqpH
oBOwJcAC8nuJcTKWQ5+0wqjQ8Yu83P1pWMYIs8ee6/U1TmcQsF0dx9SQgX/2Mo4O
00Wp0xshnQPCHozDrrFu3nBXFJKjxSTK9c0dPeBpfQKBgQDhqWX0fQHt0xhAWwaB
xYloAuv9JCd2Jb3HaBgawkfbJ7OWy1IY8GPt0xZxX3lwbCZXXv8tS71uqQsU5yZa
qHbrKn1qjTNKSxKua6Dv1CvwPPiwO6Ang3mOFe/EtZreoc8yq3DY8G+Oi28rMvsI
WdmMQ0xEqtaXbQcbKKEOWjRBPwKBgQDUHzBC0LfZx0699QTn9LpsMtupFFf+lFAo
LoPaMpHmv0Y3vmAhvc/PcZk+RxOxCIPPVqS0I0QJQs8ZfvHALI2vyn3pj/f785RI
JsgMkQl1Y21eMCgBa1lW3DrToPKBldK2Yfme/cSGmCRQ2U9csVsTz4L2zxiUtNiX
mLHYo343VQKBgAOvLlj1iYiGf8jdM5f+z6WBFrVFV9eX+ic9TddyAJZVaZs2qpp5
okgJwD4Nnv/05BNdG7FzoR4jaGjo9TlZssdYJEAPGh1GaIGshC4mOqlrdWv7LTw3
604kkYuWo3arEaT0I52HH2smX6RG6s5SGTkvCBm+6E4Em68X1LlVQ7ElAoGARkSm
qhuWK9B4ZzjZjTVm5Bzc41/X3n+nJghyqT+DUZsfWav5EHReeOu6xgSpo0Wc1Hxx
RzM/gInfLST+VJjtvsQnfc2xaodAIb6nGnKZXYe4XTE6r22uRLXjzuNMMl09VimS
lXafOa8AqL+0KJKgByoAyl3EWM6nyWBN2eQfFZkCgYAKqcmjQycQfihiidQBatyr
v8g3uy1ugqX7Ne7A219u68QwxaEKtQkCj51MCnr21QCvl+TdxgR/AaRl51tWvCYg
efYInhKfi3iWidfirggn1JZi9WeTMMlI6F0TULcKYd81Ji+hLuVO4UyVi3I8bN2a
EvCW7bYozw5loWniUOEiww==
-----END PRIVATE KEY-----
";

/// The public JWKS of the test issuer: `test-rsa` (RS256) and `test-ec`
/// (ES256), both `use: sig`.
pub const JWKS_JSON: &str = r#"{
  "keys": [
    {
      "kty": "RSA",
      "kid": "test-rsa",
      "alg": "RS256",
      "use": "sig",
      "n": "xro9defsirCLa6bfqqsO6YJG6mf6ld3M4tp0OclQ7_b7rxluQmOa6v-MyDC9WtbT0j368GPR_g8bOHNUUOA0npn_aKyvJrwLv6BF6_XbiCM4nAmksJp8p80gMziVnWx2z8wnCZC9HRngSnvukV8D56jCAeDUbX0bMy8YX261TFnWdDOnt4Fqf_eeCsjAZB5e6dTHXcNyoe3ScJ0Yxu4Eh7xpCoLJ7_VHHNPn8GuabN1AUIGLmdiz5en0IwHu34LB-IvQErcqaYofEwWKXUwRtCSkt6CecKhDH8cnVgDgniD4MawWy7rP99BCvLp_DGNQLI2CmN8Ziq28_bOFrNOQrw",
      "e": "AQAB"
    },
    {
      "kty": "EC",
      "kid": "test-ec",
      "alg": "ES256",
      "use": "sig",
      "crv": "P-256",
      "x": "2R_2ez5MQ3AqSk0YW8I1WKZ44vhHEGJfbDw5_80hOa4",
      "y": "f_QphDSUqypy4eC0WsnD2g54eOIrWmzpkvNFVNbL9e4"
    }
  ]
}"#;
